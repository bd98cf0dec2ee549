"""Realistic generated survey databases for benchmarks: long abstracts, non-ASCII names, a deep taxonomy."""

from __future__ import annotations

import datetime as dt
import random

from evlm_cli.model import Link, Paper, Section, Survey, SurveyInfo

_TOPICS = {
    "pre-deployment": (
        "Pre-deployment Techniques",
        ["Quantization", "Pruning", "Knowledge Distillation", "Low-rank Approximation", "Neural Architecture Search"],
    ),
    "finetuning": (
        "Efficient Finetuning",
        ["Low-Rank Adapters", "Prompt Tuning", "Prefix Tuning", "Memory Efficient Training"],
    ),
    "runtime": (
        "Runtime Optimization",
        ["Token Reduction", "Test-Time Adaption", "Speculative Decoding", "KV Cache Compression"],
    ),
    "distributed": ("Privacy-Preserving Distributed VLM", ["Federated Learning", "Split Computing"]),
}
_FLAVOURS = [
    "Post-Training",
    "Training-Aware",
    "Structured",
    "Unstructured",
    "Dynamic",
    "Mixed-Precision",
    "Hardware-Aware",
    "Data-Free",
    "Multimodal",
    "Edge",
]
_WORDS = (
    "efficient vision language model multimodal transformer token attention student teacher "
    "adapter low-rank sparse sparsity latency throughput memory edge device mobile "
    "accuracy benchmark image caption visual question answering retrieval encoder decoder projector alignment "
    "instruction tuning calibration activation weight outlier rounding mixed precision integer kernel hardware "
    "accelerator inference compression redundancy merging early exit cache speculative parameter gradient "
    "federated privacy split layer head channel block structured unstructured dynamic static search architecture "
    "robust generalization zero-shot few-shot segmentation detection video temporal spatial resolution patch"
).split()
_FIRST = [
    "Gaurav",
    "Anuradha",
    "José",
    "Zoë",
    "Łukasz",
    "Jürgen",
    "Søren",
    "Chloé",
    "Mingyu",
    "Ayşe",
    "Nirmalya",
    "François",
    "Björn",
    "Hyun-woo",
    "Ana",
    "Wei",
    "Priya",
    "Dmitri",
    "Olúwaseun",
    "Sebastián",
]
_LAST = [
    "Müller",
    "Shinde",
    "Núñez",
    "Øvergaard",
    "Zhāng",
    "Kowalczyk",
    "Roy",
    "Dey",
    "Çelik",
    "Li",
    "Wang",
    "Ravi",
    "García",
    "Dvořák",
    "Nakamura",
    "Sørensen",
    "Lefèvre",
    "O'Brien",
    "Kim",
    "Rampure",
]
_VENUES = ["arXiv", "NeurIPS", "ICLR", "ICML", "CVPR", "ICCV", "ECCV", "ACL", "EMNLP", "AAAI", "IEEE/CVF", "ACM MM"]


def make_survey(n: int, seed: int = 0) -> Survey:
    """A survey of `n` papers spread over about 150 sections, deterministic for a seed."""
    rng = random.Random(seed)
    sections: list[Section] = []
    leaves: list[Section] = []
    for top_id, (top_title, subs) in _TOPICS.items():
        sections.append(Section(top_id, top_title, emoji="🤖"))
        for sub in subs:
            sub_id = f"{top_id}-{sub.lower().replace(' ', '-')}"
            sections.append(Section(sub_id, sub, parent=top_id))
            for flavour in _FLAVOURS:
                leaf = Section(f"{sub_id}-{flavour.lower()}", f"{flavour} {sub}", parent=sub_id)
                sections.append(leaf)
                leaves.append(leaf)
    papers = []
    today = dt.date(2025, 1, 1)
    for i in range(n):
        leaf = rng.choice(leaves)
        topic = leaf.title
        words = rng.sample(_WORDS, 6)
        title = f"{words[0].capitalize()}-{words[1].capitalize()} {topic} for {words[2].capitalize()} {words[3]} Models"
        sentences = []
        while sum(len(s) for s in sentences) < 1000:
            chosen = rng.sample(_WORDS, 10)
            sentences.append(f"We study {' '.join(chosen[:5])} with {topic.lower()} and {' '.join(chosen[5:])}.")
            if rng.random() < 0.02:
                sentences.append("Unlike quantized or pruned baselines, it keeps full precision.")
        authors = tuple(f"{rng.choice(_FIRST)} {rng.choice(_LAST)}" for _ in range(rng.randint(1, 6)))
        year = rng.randint(2015, 2025)
        arxiv = f"{year % 100:02d}{rng.randint(1, 12):02d}.{i % 100000:05d}"
        papers.append(
            Paper(
                key=f"p{i}{words[0]}{year}",
                title=title,
                section=leaf.id,
                authors=authors,
                year=year,
                venue=rng.choice(_VENUES),
                links=(Link("Paper", f"https://arxiv.org/abs/{arxiv}"), Link("Code", f"https://github.com/x/{i}")),
                arxiv=arxiv,
                abstract=" ".join(sentences),
                tags=tuple(rng.sample(_WORDS, 2)) if i % 3 == 0 else (),
                added=today,
            )
        )
    info = SurveyInfo(title=f"Generated survey of {n} papers", subtitle="Benchmark database", year=2025)
    return Survey(info=info, sections=tuple(sections), papers=tuple(papers))


def main() -> None:
    """`python benchmarks/generate.py N PATH` writes a generated database of N papers to PATH."""
    import sys
    from pathlib import Path

    from evlm_cli import db

    size, path = int(sys.argv[1]), Path(sys.argv[2])
    path.write_text(db.dumps(make_survey(size)), encoding="utf-8")


if __name__ == "__main__":
    main()
