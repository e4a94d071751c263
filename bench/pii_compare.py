"""Compare PII detectors on the seed corpus's held-out spans: ours vs Presidio.

Run: `.venv/bin/pip install presidio-analyzer` (not a walktalk dependency), then
`.venv/bin/python -m bench.pii_compare`. Prints precision and recall per type,
overall precision, the share of gazetteer place names left alone, and notes/s
for three detectors on the seed validation and test splits:

- walktalk, rules and names (the default): UK patterns, context rules, given names;
- walktalk with spaCy NER (`WALKTALK_PII_NER=true`);
- Presidio's AnalyzerEngine on the same spaCy pipeline (en_core_web_sm), with its
  predefined recognisers (phone numbers through `phonenumbers`, regions GB) plus
  UK postcode and number-plate pattern recognisers added here.

Presidio types are mapped to ours (PHONE_NUMBER -> PHONE, EMAIL_ADDRESS -> EMAIL);
its other types (DATE_TIME, LOCATION, NRP, URL...) are not personal data in the
walktalk sense and are ignored. Scoring is `training.pii_eval.evaluate_pii`'s.
Nothing is downloaded: tldextract (used by Presidio's email recogniser) is told
to use its bundled suffix list.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from api.app import build_redactor
from api.settings import Settings
from nlp.areas import load_areas
from nlp.gazetteer import Gazetteer
from nlp.pii import PiiDetector, PiiSpan, resolve_overlaps
from nlp.pipeline import DEFAULT_PIPELINE
from nlp.resources import DEFAULT_AREAS, DEFAULT_TAXONOMY, SEED_DIR
from nlp.taxonomy import load_taxonomy
from training.dataset import load_notes
from training.pii_eval import PiiEvaluation, evaluate_pii

TYPE_MAP = {
    "PERSON": "PERSON",
    "PHONE_NUMBER": "PHONE",
    "EMAIL_ADDRESS": "EMAIL",
    "UK_POSTCODE": "POSTCODE",
    "UK_VEHICLE_REG": "VEHICLE_REG",
}


class PresidioDetector:
    """Presidio behind walktalk's detector interface (`detect_many`)."""

    def __init__(self, gazetteer: Gazetteer) -> None:
        import tldextract
        from presidio_analyzer import AnalyzerEngine, Pattern, PatternRecognizer, RecognizerRegistry
        from presidio_analyzer.nlp_engine import NlpEngineProvider
        from presidio_analyzer.predefined_recognizers import PhoneRecognizer

        tldextract.tldextract.TLD_EXTRACTOR = tldextract.TLDExtract(suffix_list_urls=())
        engine = NlpEngineProvider(
            nlp_configuration={
                "nlp_engine_name": "spacy",
                "models": [{"lang_code": "en", "model_name": DEFAULT_PIPELINE}],
            }
        ).create_engine()
        registry = RecognizerRegistry()
        registry.load_predefined_recognizers(nlp_engine=engine)
        registry.remove_recognizer("PhoneRecognizer")
        registry.add_recognizer(PhoneRecognizer(supported_regions=("GB",)))
        registry.add_recognizer(
            PatternRecognizer(
                supported_entity="UK_POSTCODE",
                patterns=[
                    Pattern(
                        "postcode",
                        r"\b[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]? ?\d[ABD-HJLNP-UW-Z]{2}\b",
                        0.7,
                    )
                ],
            )
        )
        registry.add_recognizer(
            PatternRecognizer(
                supported_entity="UK_VEHICLE_REG",
                patterns=[
                    Pattern(
                        "plate",
                        r"\b(?:[A-Z]{2}\d{2} ?[A-Z]{3}|[A-HJ-NP-Y]\d{1,3} ?[A-Z]{3}|[A-Z]{3} ?\d{1,3}[A-HJ-NP-Y])\b",
                        0.6,
                    )
                ],
            )
        )
        self.analyzer = AnalyzerEngine(
            nlp_engine=engine, registry=registry, supported_languages=["en"]
        )
        self.gazetteer = gazetteer

    def detect_many(self, texts: Sequence[str]) -> list[list[PiiSpan]]:
        results = []
        for text in texts:
            found = [
                PiiSpan(r.start, r.end, TYPE_MAP[r.entity_type])
                for r in self.analyzer.analyze(
                    text, language="en", entities=list(TYPE_MAP), score_threshold=0.35
                )
                if r.entity_type in TYPE_MAP
            ]
            results.append(resolve_overlaps(found))
        return results


def show(name: str, result: PiiEvaluation) -> None:
    per = "  ".join(
        f"{label} P {s.precision:.3f} R {s.recall:.3f}" for label, s in result.per_type.items()
    )
    print(f"{name:<34} {per}")
    print(
        f"{'':<34} overall precision {result.precision:.3f}  places kept {result.places_kept:.3f}  notes/s {result.notes_per_second}"
    )


def main() -> None:
    areas = load_areas(DEFAULT_AREAS)
    notes = load_notes(
        [SEED_DIR / "validation.jsonl", SEED_DIR / "test.jsonl"],
        taxonomy=load_taxonomy(DEFAULT_TAXONOMY),
        areas=areas,
    )
    ours = build_redactor(Settings(), areas).detector
    with_ner = build_redactor(Settings(pii_ner=True), areas).detector
    started = time.perf_counter()
    presidio = PresidioDetector(ours.gazetteer)
    print(
        f"{len(notes)} notes with {sum(len(n.pii) for n in notes)} labelled PII spans; Presidio set up in {time.perf_counter() - started:.1f} s"
    )
    detectors: list[tuple[str, PiiDetector | PresidioDetector]] = [
        ("walktalk rules+names (default)", ours),
        ("walktalk + spaCy NER", with_ner),
        ("Presidio + UK recognisers", presidio),
    ]
    for name, detector in detectors:
        show(name, evaluate_pii(detector, notes, ours.gazetteer))  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
