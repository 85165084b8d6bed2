import pandas as pd
import pytest

from cinelab.data import load_movielens
from cinelab.data.movielens import split_title_year
from tests.data.movielens_fixtures import (
    write_csv_release,
    write_ml1m,
    write_ml100k,
    zip_folder,
)


@pytest.mark.parametrize("crlf", [False, True])
def test_ml100k_folder_reads_ratings_titles_years_and_genres(tmp_path, crlf):
    ds = load_movielens(write_ml100k(tmp_path, crlf=crlf))
    assert ds.ratings.columns.tolist() == ["user_id", "item_id", "rating", "timestamp"]
    assert ds.ratings["rating"].tolist() == [5.0, 3.0, 4.0, 1.0]
    items = ds.items.set_index("item_id")
    assert items.loc[1, "title"] == "Toy Story"
    assert items.loc[1, "year"] == 1995
    assert items.loc[1, "genres"] == "Animation|Children|Comedy"  # "Children's" renamed
    assert items.loc[2, "title"] == "Belle de jour"
    assert items.loc[3, "genres"] == "(no genres listed)"
    assert items.loc[3, "year"] == 1990  # no year in the title: taken from the release date


def test_zip_and_parent_folder_give_the_same_dataset(tmp_path):
    folder = write_ml100k(tmp_path / "unpacked")
    from_folder = load_movielens(tmp_path / "unpacked")  # a folder that contains the release
    from_zip = load_movielens(zip_folder(folder, tmp_path / "ml-100k.zip"))
    pd.testing.assert_frame_equal(from_folder.ratings, from_zip.ratings)
    pd.testing.assert_frame_equal(from_folder.items, from_zip.items)
    assert from_zip.name == "ml-100k"


def test_ml1m_dat_format(tmp_path):
    ds = load_movielens(zip_folder(write_ml1m(tmp_path), tmp_path / "ml-1m.zip"))
    assert len(ds.ratings) == 3
    assert ds.items.set_index("item_id").loc[20, "title"] == "Heat"
    assert ds.items.set_index("item_id").loc[10, "genres"] == "Action|Adventure|Thriller"


def test_csv_release_with_crlf_parses_years_and_quoted_titles(tmp_path):
    ds = load_movielens(write_csv_release(tmp_path, crlf=True))
    items = ds.items.set_index("item_id")
    assert items.loc[3, "title"] == "City of Lost Children, The (Cité des enfants perdus, La)"
    assert items.loc[3, "year"] == 1995
    assert pd.isna(items.loc[5, "year"])
    assert items.loc[5, "genres"] == "(no genres listed)"
    assert ds.ratings["rating"].tolist() == [4.0, 4.5, 0.5]


def test_split_title_year_handles_ranges_and_trailing_spaces():
    titles, years = split_title_year(
        pd.Series(["Fawlty Towers (1975-1979)", "Babylon 5 ", "Up (2009) "])
    )
    assert titles.tolist() == ["Fawlty Towers", "Babylon 5", "Up"]
    assert years.tolist()[0] == 1975 and pd.isna(years.iloc[1]) and years.iloc[2] == 2009


def test_missing_path_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_movielens(tmp_path / "nowhere")


def test_folder_without_a_release_names_what_it_looked_for(tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(ValueError, match=r"does not look like a MovieLens release.*u\.data"):
        load_movielens(tmp_path)


def test_malformed_ratings_name_the_file_and_rows(tmp_path):
    folder = write_csv_release(tmp_path, crlf=False)
    (folder / "ratings.csv").write_text("userId,movieId,rating,timestamp\n1,1,4.0,1\n1,3,7.0,2\n")
    with pytest.raises(ValueError, match=r"ratings\.csv.*scale.*rows 1 hold 7.0"):
        load_movielens(folder)


def test_unexpected_csv_columns_are_reported(tmp_path):
    folder = write_csv_release(tmp_path, crlf=False)
    (folder / "ratings.csv").write_text("user,movie,stars\n1,1,4\n")
    with pytest.raises(ValueError, match=r"columns \['user', 'movie', 'stars'\]"):
        load_movielens(folder)


def test_real_ml_latest_small_has_exact_counts_and_titles(movielens_dir):
    ds = load_movielens(movielens_dir / "ml-latest-small")
    assert len(ds.ratings) == 100_836
    assert ds.ratings["user_id"].nunique() == 610
    assert len(ds.items) == 9_742
    items = ds.items.set_index("item_id")
    assert items.loc[1, "title"] == "Toy Story" and items.loc[1, "year"] == 1995
    assert items.loc[2571, "title"] == "Matrix, The" and items.loc[2571, "year"] == 1999
    assert ds.ratings["rating"].between(0.5, 5).all()
