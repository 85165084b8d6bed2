"""A byte-level BPE tokenizer trained on the kit's corpus.

Byte-level BPE (the scheme GPT-2 uses) starts from the 256 possible bytes, so any text can be
encoded and nothing is ever "unknown"; it then merges the most frequent neighbouring pairs
again and again until the vocabulary reaches ``vocab_size``. Frequent words ("the", " world")
end up as one token, rare names are spelled out in pieces.

We train it with the ``tokenizers`` library and wrap it as a ``transformers`` fast tokenizer,
so the kit's model and any Hugging Face model are used through the same interface.
"""

from __future__ import annotations

from collections.abc import Iterable

from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
from transformers import PreTrainedTokenizerFast

END_OF_TEXT = "<|endoftext|>"


def train_tokenizer(texts: Iterable[str], vocab_size: int = 3000) -> PreTrainedTokenizerFast:
    """Learn byte-level BPE merges from ``texts``.

    Parameters
    ----------
    texts : iterable of str
        The training documents (headers and copy).
    vocab_size : int
        Final vocabulary size: 256 bytes + one end-of-text token + learned merges.

    Returns
    -------
    PreTrainedTokenizerFast
        ``<|endoftext|>`` marks both ends of a document, as in GPT-2: encoding a text puts it
        in front (so the model's first prediction has something to look at), and training
        appends it at the end (so the model learns when to stop).
    """
    texts = list(texts)
    if not texts:
        raise ValueError("train_tokenizer needs at least one text to learn from.")
    if vocab_size < 258:
        raise ValueError(f"vocab_size must be at least 258 (256 bytes + 2), got {vocab_size}.")
    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=[END_OF_TEXT],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    bpe.train_from_iterator(texts, trainer=trainer)
    end_id = bpe.token_to_id(END_OF_TEXT)
    bpe.post_processor = processors.TemplateProcessing(
        single=f"{END_OF_TEXT} $A", special_tokens=[(END_OF_TEXT, end_id)]
    )
    return PreTrainedTokenizerFast(
        tokenizer_object=bpe,
        eos_token=END_OF_TEXT,
        bos_token=END_OF_TEXT,
        pad_token=END_OF_TEXT,
        unk_token=END_OF_TEXT,
    )
