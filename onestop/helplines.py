"""The numbers people are told to call, as data: the ministry's helpline, and the people
who answer in the languages our phone line has no voice for.

A message never has a number inside its text: it has a placeholder (`{helpline}`,
`{eps}`, `{danuri}`) filled in from this table, written for reading (`1577-0071`) or
for a voice (`1 5 7 7, 0 0 7 1`: digit by digit, as a phone number is said). The
phone line and the notifications both take their numbers from here.
"""

from __future__ import annotations

from dataclasses import dataclass

from i18n import N_, translate

__all__ = [
    "DANURI",
    "EPS_COUNSELLING",
    "HELPLINE",
    "Helpline",
    "no_voice_pointer",
    "spoken_number",
]


@dataclass(frozen=True, slots=True)
class Helpline:
    # As it is dialled (a short national number; the line's <Dial> takes it as is).
    number: str
    # As it is written in a message: 1577-0071.
    written: str
    name_ko: str
    name_en: str


# 고용노동부 고객상담센터: weekdays 9 to 6 (its hours: assisted_channel/phone/transfer.py).
HELPLINE = Helpline(
    "1350", "1350", "고용노동부 고객상담센터", "Ministry of Employment and Labor helpline"
)
# 외국인력상담센터: counselling in the workers' languages for the Employment Permit
# System (고용허가제; 외국인근로자의 고용 등에 관한 법률).
EPS_COUNSELLING = Helpline(
    "15770071", "1577-0071", "외국인력상담센터", "foreign workers' counselling centre"
)
# 다누리콜센터: marriage migrants and their families (다문화가족지원법 제11조의2).
DANURI = Helpline("15771366", "1577-1366", "다누리콜센터", "Danuri call centre")

NO_VOICE_YET = N_(
    "We cannot speak your language on this line yet. If you work in Korea under the "
    "Employment Permit System, call the foreign workers' counselling centre on {eps}. If "
    "you came to Korea by marriage, or for your family, call the Danuri call centre on "
    "{danuri}. They answer in your language."
)


def spoken_number(helpline: Helpline) -> str:
    """The number as a voice reads it: digit by digit, a pause between its two halves."""
    return ", ".join(" ".join(part) for part in helpline.written.split("-"))


def no_voice_pointer(locale: str) -> str:
    """What the line says (in `locale`, Korean or English) to a person whose language it
    has no voice for: who answers in their language, and on which number."""
    return translate(
        locale, NO_VOICE_YET, eps=spoken_number(EPS_COUNSELLING), danuri=spoken_number(DANURI)
    )
