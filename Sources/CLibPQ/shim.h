#ifndef KYC_CLIBPQ_SHIM_H
#define KYC_CLIBPQ_SHIM_H

#include <libpq-fe.h>
#include <poll.h>

/* libpq's error-field codes are character-literal macros, which Swift does not import. */
static const int KYC_PG_DIAG_SQLSTATE = PG_DIAG_SQLSTATE;
static const int KYC_PG_DIAG_MESSAGE_PRIMARY = PG_DIAG_MESSAGE_PRIMARY;
static const int KYC_PG_DIAG_CONSTRAINT_NAME = PG_DIAG_CONSTRAINT_NAME;
static const int KYC_PG_DIAG_SEVERITY_NONLOCALIZED = PG_DIAG_SEVERITY_NONLOCALIZED;

#endif
