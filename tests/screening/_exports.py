"""Two small exports of the minimal review folder, and its screening decisions."""

from __future__ import annotations

from pathlib import Path

# Two exports: the first and third records of a.ris are also in b.nbib (same DOI/PMID).
A_RIS = """TY  - JOUR
TI  - Peer support for knee osteoarthritis: a randomised controlled trial
AU  - Adams, Jane
PY  - 2012
JO  - Journal of Knee Care
VL  - 4
SP  - 100
EP  - 110
DO  - 10.1000/knee.2012.1
ER  -

TY  - JOUR
TI  - Acupuncture for migraine in adolescents
AU  - Brown, Paul
PY  - 2015
JO  - Headache Research
VL  - 9
SP  - 33
EP  - 41
ER  -

TY  - JOUR
TI  - Lay-led self-management for fibromyalgia: a cluster randomised trial
AU  - Chen, Wei
PY  - 2017
JO  - Pain Reports
VL  - 12
SP  - 5
EP  - 15
DO  - 10.1000/pain.2017.5
ER  -
"""
B_NBIB = """PMID- 11111111
DP  - 2012
TI  - Peer support for knee osteoarthritis: a randomised controlled trial.
PG  - 100-10
LID - 10.1000/knee.2012.1 [doi]
FAU - Adams, Jane
AU  - Adams J
VI  - 4
JT  - Journal of Knee Care
TA  - J Knee Care

PMID- 22222222
DP  - 2017
TI  - Lay-led self-management for fibromyalgia: a cluster randomised trial.
PG  - 5-15
LID - 10.1000/pain.2017.5 [doi]
FAU - Chen, Wei
AU  - Chen W
VI  - 12
JT  - Pain Reports
TA  - Pain Rep

PMID- 33333333
DP  - 2019
TI  - Opioid tapering in primary care: a cohort study.
PG  - 200-9
FAU - Dubois, Marc
AU  - Dubois M
VI  - 2
JT  - Primary Care Studies
"""
SOURCES = """
[[source]]
name = "Embase"
file = "records/a.ris"

[[source]]
name = "MEDLINE"
file = "records/b.nbib"
searched = "2024-01-31"
"""
HEADER = "record_id,stage,decision,reason,study_id\n"
COMPLETE = (
    HEADER
    + "a.ris#1,title_abstract,include,,\n"
    + "a.ris#2,title_abstract,exclude,,\n"
    + "b.nbib#2,title_abstract,include,,\n"  # the duplicate of a.ris#3 stands for the group
    + "b.nbib#3,title_abstract,exclude,,\n"
    + "a.ris#1,full_text,include,,adams2012\n"
    + "b.nbib#2,full_text,exclude,Not a randomised design,\n"
)


def with_sources(folder: Path, screening: str | None = COMPLETE) -> Path:
    (folder / "records").mkdir()
    (folder / "records" / "a.ris").write_text(A_RIS, encoding="utf-8")
    (folder / "records" / "b.nbib").write_text(B_NBIB, encoding="utf-8")
    with open(folder / "review.toml", "a", encoding="utf-8") as handle:
        handle.write(SOURCES)
    if screening is not None:
        (folder / "screening.csv").write_text(screening, encoding="utf-8")
    return folder
