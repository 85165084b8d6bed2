"""A non-editable install (``pip install .``, or ``pip install git+...`` on Colab) works on its own.

The wheel is built from this checkout and installed into a fresh virtual environment that
borrows the test environment's third-party packages (so nothing is downloaded) but not its
editable CineLab. The smoke test then runs from an empty folder, far from the checkout's data/.
"""

import subprocess
import sys
import textwrap
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

SMOKE = textwrap.dedent(
    """
    import cinelab, cinelab.config
    from pathlib import Path
    assert "site-packages" in cinelab.__file__, cinelab.__file__
    assert cinelab.config.data_dir().name == "kitdata", cinelab.config.data_dir()
    from cinelab import data, recsys
    from cinelab.textgen import TrailerCopywriter
    ds = data.load("cinelab")
    assert len(ds.ratings) > 50_000 and len(ds.items) == 804
    model = recsys.Baseline().fit(ds.ratings)
    top = model.recommend(int(ds.ratings.user_id.iloc[0]), n=3)
    assert len(top) == 3
    copy = TrailerCopywriter(n_candidates=1, seed=0).write(int(ds.items.item_id.iloc[0]))
    assert copy.text.strip(), "the copywriter wrote nothing"
    print("wheel OK", len(ds.ratings), list(top.item_id))
    """
)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    build = out / "build-tree"
    # Build from a copy of the tracked files so the checkout's build/ folder is never touched.
    files = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, capture_output=True, check=True,
    ).stdout.decode().split("\0")
    for name in filter(None, files):
        source = ROOT / name
        if source.is_file():
            target = build / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(source.read_bytes())
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         str(build), "-w", str(out)],
        check=True, capture_output=True,
    )
    (found,) = out.glob("cinelab-*.whl")
    return found


def test_wheel_installs_and_runs_without_the_checkout(wheel, tmp_path):
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    site_packages = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()
    borrowed = [p for p in sys.path if p.endswith("site-packages")]
    # a plain path line: the test environment's packages, without its editable-install hooks
    (Path(site_packages) / "borrowed.pth").write_text("\n".join(borrowed) + "\n")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
         "--no-index", "-q", str(wheel)],
        check=True, capture_output=True,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = subprocess.run(
        [str(python), "-c", SMOKE], cwd=elsewhere, capture_output=True, text=True, check=False,
        env={"HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "wheel OK" in result.stdout
