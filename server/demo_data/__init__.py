"""A deterministic synthetic population for `make run`, demos and load tests.

`load_demo_data` writes people and their linked administrative facts (고용보험
이력, 월별 보수, 자녀, 가구 소득인정액, 구직등록) with COPY, in one
transaction. The same seed always gives the same people and facts in the same
order. Hand-designed personas come first in the first load into a database, one
for each sign-in path and benefit worth trying; `demo_people` finds them again.

Synthetic registration numbers are YYMMDD, the century-and-sex digit, a 3-digit
block taken from the seed (`seed % 999`; block 999 is the personas') and a
3-digit counter per birth date and sex digit, so seeds in different blocks never
share a number. As with real numbers, they go into the person key HMAC and are
thrown away (개인정보 보호법 제24조의2).

Speed (a million people and four million facts within a minute on two cores):
rows are COPY text built from precomputed tables, one chunk at a time, so
PostgreSQL parses a chunk while Python builds the next; ids are given, not drawn
from the sequences row by row. A large load drops the indexes and keys of the two
tables that nothing else references and rebuilds them at the end, in the same
transaction ("Populating a Database" in the PostgreSQL manual): maintaining three
random-key indexes row by row costs more than the rest of the load together.
"""

from server.demo_data.common import BULK_LOAD_THRESHOLD, MAX_PEOPLE, REFERENCE_DATE, DemoPerson
from server.demo_data.generator import SyntheticPopulation
from server.demo_data.loading import demo_people, format_demo_people, load_demo_data
from server.demo_data.personas import PERSONAS, persona_registration_number
from server.demo_data.phone_line import (
    DEMO_PHONE_PIN,
    DemoCaller,
    format_demo_callers,
    register_demo_phones,
)

__all__ = [
    "BULK_LOAD_THRESHOLD",
    "DEMO_PHONE_PIN",
    "MAX_PEOPLE",
    "PERSONAS",
    "REFERENCE_DATE",
    "DemoCaller",
    "DemoPerson",
    "SyntheticPopulation",
    "demo_people",
    "format_demo_callers",
    "format_demo_people",
    "load_demo_data",
    "persona_registration_number",
    "register_demo_phones",
]
