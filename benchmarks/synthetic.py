"""Synthetic Vietnamese official mail for the benchmarks: real syllables, Zipf-distributed.

Vocabulary: the syllables of real Vietnamese news text (UD Vietnamese-VTB test split).
``fill_archive`` writes messages straight into an archive's database and blob store (fast
enough for a million), as the search and web benchmarks need.
"""

from __future__ import annotations

import bisect
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
UD = (
    REPO.parent
    / "shared"
    / "corpus"
    / "UniversalDependencies__UD_Vietnamese-VTB"
    / ("vi_vtb-ud-test.conllu")
)
AGENCIES = ["ubnd", "sotttt", "sotc", "sogd", "soyt", "sonv", "sokhdt", "sotp", "sonn", "soct"]
TYPES = ["UBND", "QĐ-UBND", "KH-UBND", "TB-UBND", "BC-STTTT", "CV-STC", "TTr-SNV"]


class Zipf:
    def __init__(self, words: list[str], s: float = 1.07, seed: int = 7):
        self.words = words
        self.cum = []
        total = 0.0
        for rank in range(1, len(words) + 1):
            total += 1.0 / rank**s
            self.cum.append(total)
        self.total = total
        self.rng = random.Random(seed)

    def take(self, n: int) -> str:
        r = self.rng.random
        return " ".join(self.words[bisect.bisect(self.cum, r() * self.total)] for _ in range(n))


def vocabulary() -> list[str]:
    counts: dict[str, int] = {}
    for line in UD.read_text(encoding="utf-8").splitlines():
        if line.startswith("# text ="):
            for word in line.split("=", 1)[1].split():
                if any(c.isalpha() for c in word):
                    counts[word.lower()] = counts.get(word.lower(), 0) + 1
    return sorted(counts, key=counts.get, reverse=True)


def synthetic(i: int, zipf: Zipf, rng: random.Random, profile: str = "long") -> tuple[dict, int]:
    """The texts of one synthetic message and the size of its raw form."""
    sender, rcpt = rng.sample(AGENCIES, 2)
    subject = zipf.take(rng.randint(6, 14))
    if profile == "short":
        body, att_text = zipf.take(rng.randint(20, 80)), ""
    else:
        body = zipf.take(rng.randint(60, 300))
        number = f"{rng.randint(1, 9999)}/{rng.choice(TYPES)}"
        att_text = f"Số: {number}\n" + zipf.take(rng.randint(100, 600))
    when = datetime(2023, 1, 1, tzinfo=UTC) + timedelta(minutes=rng.randint(0, 525_600))
    attachment_bytes = rng.randint(15_000, 120_000) if att_text else 0  # a PDF, base64
    raw_size = 900 + len(subject.encode()) + len(body.encode()) + attachment_bytes * 4 // 3
    texts = {
        "id": i,
        "subject": subject,
        "body": body,
        "att": att_text,
        "when": when,
        "from": sender,
        "to": rcpt,
        "signed": rng.random() < 0.6,
    }
    return texts, raw_size


def fill_archive(archive, n: int, zipf: Zipf) -> None:
    """Add ``n`` messages (ids 1..n) with bodies, addresses and dates."""
    from sqlalchemy import insert

    from archive.blobstore import PendingBlob
    from archive.models import Address, Blob, Message
    from archive.prepare import sha256_of

    rng = random.Random(5)
    for start in range(0, n, 5000):
        blobs, messages, addresses, blob_rows = [], [], [], {}
        for i in range(start + 1, min(n, start + 5000) + 1):
            texts, raw = synthetic(i, zipf, rng)
            body = texts["body"].encode()
            sha = sha256_of(body)
            blobs.append(PendingBlob(sha, len(body), body))
            blob_rows[sha] = len(body)
            fake_raw = f"raw-{i}".encode()
            raw_sha = sha256_of(fake_raw)
            blob_rows[raw_sha] = len(fake_raw)
            messages.append(
                {
                    "id": i,
                    "sha256": raw_sha,
                    "subject": texts["subject"],
                    "sent_at": texts["when"],
                    "size": raw,
                    "attachment_count": 0,
                    "body_text_sha256": sha,
                    "channel": "import",
                    "from_address": f"vanthu.{texts['from']}@ninhthuan.gov.vn",
                }
            )
            for role in ("from", "to"):
                addresses.append(
                    {
                        "message_id": i,
                        "role": role,
                        "address": f"vanthu.{texts[role]}@ninhthuan.gov.vn",
                        "domain": "ninhthuan.gov.vn",
                    }
                )
        archive.blobs.put_many(blobs)
        with archive.sessions() as s, s.begin():
            s.execute(
                insert(Blob),
                [{"sha256": k, "size": v, "stored_size": v} for k, v in blob_rows.items()],
            )
            s.execute(insert(Message), messages)
            s.execute(insert(Address), addresses)
