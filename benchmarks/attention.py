"""Time the kit's numpy attention against PyTorch on CPU, and the explorer widget's redraws.

Run by hand (not part of the tests):

    python benchmarks/attention.py                 # lengths 64..1024, d_model 256, 8 heads
    python benchmarks/attention.py --lengths 256 --repeats 50 --threads 2

Both sides compute the same multi-head self-attention in float32 with the same weights
(copied from the torch module), one sequence at a time, without gradients, and both return
the per-head weights (the ratio column compares those two). A last column times torch
without returning weights, which lets it pick a fused kernel, for reference. The widget
part times each interaction (Python side: recompute the weights and the HTML) for a
40-token text.
"""

from __future__ import annotations

import argparse
import itertools
import time
from collections.abc import Callable

import numpy as np
import torch
from threadpoolctl import threadpool_limits

from cinelab import attention
from cinelab.widgets import AttentionExplorer

WIDGET_TEXTS = [
    (
        "A retired safecracker is pulled back for one last job when his estranged daughter is "
        "kidnapped by the crew he once betrayed , and the only way to save her is to rob the "
        "casino that ruined them both before dawn"
    ),
    "A lonely robot on a silent space station falls in love with a mission controller's voice",
]


def best_seconds(*runs: Callable[[], object], repeats: int) -> list[float]:
    """Best wall time of each run over ``repeats`` rounds, after one warm-up call each.

    The runs take turns inside every round, so a burst of load from other programs on
    the machine hits them alike; the best time is the least disturbed one.
    """
    for run in runs:
        run()
    best = [float("inf")] * len(runs)
    for _ in range(repeats):
        for i, run in enumerate(runs):
            start = time.perf_counter()
            run()
            best[i] = min(best[i], time.perf_counter() - start)
    return best


def time_multihead(n: int, d_model: int, n_heads: int, repeats: int, seed: int) -> dict:
    """Best seconds of one forward pass on (1, n, d_model), numpy vs torch, and the max gap."""
    torch.manual_seed(seed)
    module = torch.nn.MultiheadAttention(d_model, n_heads, batch_first=True).eval()
    ours = attention.MultiHeadAttention(d_model, n_heads).load_torch(module)
    x = np.random.default_rng(seed).normal(size=(1, n, d_model)).astype(np.float32)
    x_t = torch.from_numpy(x)

    def run_torch():
        with torch.no_grad():
            return module(x_t, x_t, x_t, need_weights=True, average_attn_weights=False)

    def run_torch_fused():  # no weights asked: torch may use its fused attention kernel
        with torch.no_grad():
            return module(x_t, x_t, x_t, need_weights=False)

    gap = np.abs(ours(x)[0] - run_torch()[0].numpy()).max()
    numpy_s, torch_s, fused_s = best_seconds(
        lambda: ours(x), run_torch, run_torch_fused, repeats=repeats
    )
    return {"n": n, "numpy_ms": 1e3 * numpy_s, "torch_ms": 1e3 * torch_s,
            "ratio": numpy_s / torch_s, "fused_ms": 1e3 * fused_s,
            "max_abs_diff": float(gap)}  # fmt: skip


def time_widget(repeats: int) -> dict[str, float]:
    """Best milliseconds of each explorer interaction on a 40-token text."""
    explorer = AttentionExplorer(WIDGET_TEXTS, max_tokens=40, seed=0)
    assert len(explorer.maps.tokens) == 40, explorer.maps.tokens
    toggles = {
        "head": (explorer.head, [1, 0]),
        "layer": (explorer.layer, [1, 0]),
        "temperature": (explorer.temperature, [0.3, 1.0]),
        "query token": (explorer.query, [5, 6]),
        "causal mask (cached)": (explorer.causal, [True, False]),
    }
    setters = [_setter(control, values) for control, values in toggles.values()]
    results = dict(zip(toggles, best_seconds(*setters, repeats=repeats), strict=True))
    texts = itertools.cycle(WIDGET_TEXTS[::-1])

    def new_text():
        explorer._cache.clear()  # a text never seen before: the model runs again
        explorer.text.value = next(texts)

    (results["new text (numpy model re-run)"],) = best_seconds(new_text, repeats=repeats)
    return {name: 1e3 * seconds for name, seconds in results.items()}


def _setter(control, values) -> Callable[[], None]:
    """A call that sets ``control`` to the next of ``values``, round and round."""
    cycle = itertools.cycle(values)
    return lambda: setattr(control, "value", next(cycle))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lengths", type=int, nargs="+", default=[64, 128, 256, 512, 1024])
    parser.add_argument("--d-model", type=int, default=256)
    parser.add_argument("--heads", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1, help="CPU threads for both libraries")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    with threadpool_limits(limits=args.threads):  # numpy's BLAS gets the same number
        report(args)


def report(args: argparse.Namespace) -> None:
    """Print both tables as markdown, ready for benchmarks/README.md."""
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; numpy {np.__version__}")
    print(
        f"multi-head self-attention, float32, batch 1, d_model {args.d_model}, {args.heads} heads"
    )
    print("| n | numpy (ms) | torch (ms) | numpy / torch | torch, no weights (ms) | max abs diff |")
    print("|---:|---:|---:|---:|---:|---:|")
    for n in args.lengths:
        r = time_multihead(n, args.d_model, args.heads, args.repeats, args.seed)
        print(f"| {r['n']} | {r['numpy_ms']:.2f} | {r['torch_ms']:.2f} | {r['ratio']:.2f} "
              f"| {r['fused_ms']:.2f} | {r['max_abs_diff']:.1e} |")  # fmt: skip
    print("\nAttentionExplorer, 40 tokens, Python-side redraw")
    print("| interaction | best (ms) |")
    print("|---|---:|")
    for name, ms in time_widget(args.repeats).items():
        print(f"| {name} | {ms:.1f} |")


if __name__ == "__main__":
    main()
