public enum KYCDomainPlaceholder {}
