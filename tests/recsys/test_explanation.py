"""One-line reasons: the largest personal term, named, with the right direction."""

import numpy as np
import pandas as pd

from cinelab.recsys.explanation import CLIP_TERM, describe_explanation, largest_personal_term


def test_the_largest_personal_term_wins_and_impersonal_terms_never_do():
    terms = pd.DataFrame(
        {
            "term": ["global mean", "user bias", "film bias", CLIP_TERM],
            "value": [3.5, -0.4, 0.3, -9],
        }
    )
    assert largest_personal_term(terms) == 1  # |-0.4| beats 0.3; the mean and clipping are not
    assert describe_explanation(terms) == ("Predicted -5.60; the user bias lowers it most (-0.40).")


def test_ties_go_to_the_first_term_and_all_zero_means_nothing_personal():
    tied = pd.DataFrame(
        {"term": ["global mean", "user bias", "film bias"], "value": [3, 0.2, -0.2]}
    )
    assert largest_personal_term(tied) == 1
    flat = pd.DataFrame({"term": ["global mean", "user bias"], "value": [3.5, 0.0]})
    assert largest_personal_term(flat) is None
    assert describe_explanation(flat) == (
        "Predicted 3.50: the average film, nothing personal is known yet."
    )


def test_a_neighbour_is_named_with_its_rating_and_similarity():
    terms = pd.DataFrame(
        {
            "term": ["global mean", "user bias", "film 7", "film 9"],
            "value": [3.5, 0.1, 0.45, -0.05],
            "neighbour_id": [np.nan, np.nan, 7, 9],
            "similarity": [np.nan, np.nan, 0.6, 0.2],
            "rating": [np.nan, np.nan, 5.0, 2.0],
        }
    )
    assert largest_personal_term(terms) == 2
    assert describe_explanation(terms, titles={7: "Alien"}) == (
        "Predicted 4.00, mostly because of 'Alien' (rating 5, similarity 0.60), which raises it "
        "by 0.45."
    )
