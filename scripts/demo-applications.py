#!/usr/bin/python3
"""Prints demo submissions (one JSON document a line) for `make run`: RUN makes the account ids unique,
NOW is the submission time."""
import copy
import datetime
import json
import sys

run, now = sys.argv[1], sys.argv[2]
submitted = datetime.datetime.strptime(now, "%Y-%m-%dT%H:%M:%SZ")


def at(minutes_before):
    return (submitted - datetime.timedelta(minutes=minutes_before)).strftime("%Y-%m-%dT%H:%M:%SZ")


def check_digit(field):
    """ICAO 9303 check digit: weights 7, 3, 1; digits their value, A-Z 10-35, filler 0."""
    value = lambda c: int(c) if c.isdigit() else (ord(c) - 55 if c.isalpha() else 0)
    return str(sum(value(c) * (7, 3, 1)[i % 3] for i, c in enumerate(field)) % 10)


def td3(surname, given, number, nationality, birth, sex, expiry):
    """A TD3 zone with every check digit computed."""
    names = (surname + "<<" + given).ljust(39, "<")[:39]
    number = number.ljust(9, "<")
    personal = "<" * 14
    body = number + check_digit(number) + nationality + birth + check_digit(birth) + sex + expiry + check_digit(expiry)
    body += personal + check_digit(personal)
    composite = body[0:10] + body[13:20] + body[21:43]
    return "P<" + nationality + names + "\n" + body + check_digit(composite)


passport = "P" + run[-8:]
image = {"ref": "media/demo/front.jpg", "sha256": "ab" * 32, "mime": "image/jpeg", "bytes": 482113,
         "width": 1920, "height": 1080}
ada = {
    "account_id": "demo-%s-ada" % run,
    "email": "ada.%s@example.com" % run,
    "locale": "en",
    "basic_info": {"first_name": "Ada", "last_name": "Lovelace", "date_of_birth": "1990-08-12",
                   "nationality": "GB", "country_of_residence": "GB", "address": "12 St James's Square, London"},
    "document": {"type": "passport", "issuing_country": "GB", "number": passport, "expiry_date": "2031-04-15",
                 "mrz": td3("LOVELACE", "ADA", passport, "GBR", "900812", "F", "310415"),
                 "images": [dict(image, side="front")]},
    "selfie": dict(image, ref="media/demo/selfie.jpg", width=1280, height=720),
    "face_match_score": 0.97, "liveness": "passed", "capture_channel": "web",
    "session_started_at": at(9), "submitted_at": now,
}


def variant(name, **changes):
    """Ada's application for another account, with a GB driving licence of its own (no shared document)."""
    document = copy.deepcopy(ada)
    document["account_id"] = "demo-%s-%s" % (run, name)
    document["email"] = "%s.%s@example.com" % (name, run)
    document["document"] = {"type": "drivers_license", "issuing_country": "GB", "number": "%s%s" % (name.upper(), run),
                            "expiry_date": "2032-06-30",
                            "images": [dict(image, side="front"), dict(image, side="back")]}
    for key, value in changes.items():
        document[key] = value
    return document


# Approved: every check passes.
print(json.dumps(ada))
# Denied, session_expired: 20 minutes from session start to submission.
print(json.dumps(variant("late", session_started_at=at(20))))
# Denied, underage (final): a US driver's licence of a 16-year-old.
young = variant("young")
young["basic_info"] = dict(young["basic_info"], date_of_birth="%d-01-01" % (submitted.year - 16), nationality="US",
                           country_of_residence="US")
young["document"] = {"type": "drivers_license", "issuing_country": "US", "number": "D1234567",
                     "expiry_date": "2030-01-01",
                     "images": [dict(image, side="front"), dict(image, side="back")]}
print(json.dumps(young))
# Denied, unsupported_document: a German driver's licence.
german = variant("german")
german["basic_info"] = dict(german["basic_info"], nationality="DE", country_of_residence="DE")
german["document"] = {"type": "drivers_license", "issuing_country": "DE", "number": "B072RRE2I55",
                      "expiry_date": "2033-05-01", "images": [dict(image, side="front"), dict(image, side="back")]}
print(json.dumps(german))
# In review: a face match score between 0.60 and 0.90.
print(json.dumps(variant("unsure", face_match_score=0.75)))
