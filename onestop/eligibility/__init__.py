"""Eligibility: every programme's rule for one person (explained) or for everyone (SQL)."""

from onestop.eligibility.answers import CriterionAnswer, EligibilityAnswer, status_of
from onestop.eligibility.of_person import EligibilityList, eligibility_of, eligibility_on_behalf
from onestop.eligibility.person import (
    PersonInputs,
    evaluate_inputs,
    evaluate_person,
    load_person_inputs,
)
from onestop.eligibility.population import (
    PopulationRun,
    evaluate_population,
    population_answers,
)

__all__ = [
    "CriterionAnswer",
    "EligibilityAnswer",
    "EligibilityList",
    "PersonInputs",
    "PopulationRun",
    "eligibility_of",
    "eligibility_on_behalf",
    "evaluate_inputs",
    "evaluate_person",
    "evaluate_population",
    "load_person_inputs",
    "population_answers",
    "status_of",
]
