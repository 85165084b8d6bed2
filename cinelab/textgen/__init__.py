"""Trailer copy with a tiny language model: tokenizer, training, decoding by hand, copywriter.

    from cinelab import textgen
    from cinelab.textgen import decoding
    lm = textgen.load_language_model()              # the kit's tiny GPT (or "org/model", a folder)
    ids = lm.encode("tagline | Horror | Alien (1979)\\n")
    out = decoding.sample(lm.model, ids, 30, temperature=0.8, top_p=0.9, seed=0)
    lm.decode(out[0, ids.shape[1]:])

    writer = textgen.TrailerCopywriter(seed=0)
    copy = writer.write(item_id, audience=user_id, kind="social")
    copy.text, copy.checks.as_dict()

Run ``cinelab train-lm`` (or ``make model``) to rebuild the model in ``data/models/``.
"""

from cinelab.textgen import decoding, pretrained
from cinelab.textgen.angle_judge import AngleJudge, AngleVerdict, judge_viewers, kit_angle_judge
from cinelab.textgen.audience import Audience, audience_from_persona, taste_profile
from cinelab.textgen.checks import CopyReport, check_copy
from cinelab.textgen.copywriter import (
    FORMATS,
    Copy,
    DecodingSettings,
    Film,
    TrailerCopywriter,
    UnsupportedFormat,
    available_models,
    mentions_title,
)
from cinelab.textgen.corpus import (
    build_documents,
    build_prompt,
    format_header,
    load_copy,
    split_of,
)
from cinelab.textgen.loading import KIT_MODEL_DIR, LanguageModel, load_language_model
from cinelab.textgen.metrics import (
    CorpusIndex,
    ViewerContrast,
    continuation_perplexity,
    distinct_n,
    ngram_distance,
    repetition_rate,
    viewer_contrast,
)
from cinelab.textgen.ngram import CharNGram
from cinelab.textgen.tokenizer import train_tokenizer
from cinelab.textgen.training import (
    AngleReading,
    TrainingRun,
    angle_reading,
    average_loss,
    bits_per_character,
    build_tiny_gpt,
    encode_documents,
    perplexity,
    train_kit_model,
    train_language_model,
)

__all__ = [
    "FORMATS",
    "KIT_MODEL_DIR",
    "AngleJudge",
    "AngleReading",
    "AngleVerdict",
    "Audience",
    "CharNGram",
    "Copy",
    "CopyReport",
    "CorpusIndex",
    "DecodingSettings",
    "Film",
    "LanguageModel",
    "TrailerCopywriter",
    "TrainingRun",
    "UnsupportedFormat",
    "ViewerContrast",
    "angle_reading",
    "audience_from_persona",
    "available_models",
    "average_loss",
    "bits_per_character",
    "build_documents",
    "build_prompt",
    "build_tiny_gpt",
    "check_copy",
    "continuation_perplexity",
    "decoding",
    "distinct_n",
    "encode_documents",
    "format_header",
    "judge_viewers",
    "kit_angle_judge",
    "load_copy",
    "load_language_model",
    "mentions_title",
    "ngram_distance",
    "perplexity",
    "pretrained",
    "repetition_rate",
    "split_of",
    "taste_profile",
    "train_kit_model",
    "train_language_model",
    "train_tokenizer",
    "viewer_contrast",
]
