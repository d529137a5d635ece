"""Write the example's search exports (records/) and its resolved screening decisions
(screening.csv). Everything here is SYNTHETIC: invented titles, authors, journals and
identifiers, in the export layouts of seven databases, with planted duplicates.

Every unique report is drawn once (title, authors, journal, year, volume, pages, DOI), then
written to each database that "indexes" it, in that database's export format and habits
(PubMed abbreviates journals and page ranges and ends titles with a full stop; EBSCO gives
initials and puts the DOI in M3; Scopus writes CSV; some exports lack the DOI). The 24
included trials of studies.csv have 29 reports (five trials have a second report); 51 more
reports reach full text; the rest are excluded on title and abstract.

Run (deterministic; the files are byte-identical on every run):

    .venv/bin/python examples/peer-support-msk/make_records.py
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

HERE = Path(__file__).parent
SEED = 2024

# name, file, inclusion probability for reports in scope / out of scope
DATABASES = (
    ("MEDLINE (PubMed)", "medline.nbib", 0.80, 0.30),
    ("Embase (Ovid)", "embase.ris", 0.95, 0.45),
    ("Emcare (Ovid)", "emcare.ris", 0.60, 0.18),
    ("APA PsycInfo (EBSCO)", "psycinfo.ris", 0.45, 0.17),
    ("CINAHL Ultimate (EBSCO)", "cinahl.xml", 0.70, 0.20),
    ("Cochrane CENTRAL", "central.ris", 0.90, 0.22),
    ("Scopus", "scopus.csv", 0.85, 0.38),
)

N_OUT_OF_SCOPE = 1480  # excluded on title and abstract
FULL_TEXT_EXCLUSIONS = (  # reason, number of reports
    ("Not a peer support intervention", 17),
    ("Not a randomised design", 13),
    ("Population: not chronic musculoskeletal pain", 9),
    ("Conference abstract without results", 5),
    ("No outcome of the review", 4),
)
N_NOT_RETRIEVED = 3
SECOND_REPORTS = {  # study -> title of the trial's second report
    "brennan2011": "Long-term follow-up of a randomised trial of {peer} for {condition}",
    "gallagher2016": "Cost-effectiveness of {peer} for {condition}: economic evaluation "
    "alongside a randomised controlled trial",
    "kowalski2018": "Process evaluation of {peer} for {condition} in a randomised trial",
    "quinn2018": "Who benefits from {peer} for {condition}? Secondary analysis of a "
    "randomised controlled trial",
    "zhang2021": "Effects of {peer} on sleep in {condition}: secondary outcomes of a "
    "randomised controlled trial",
}

SURNAMES = (
    "Smith Jones Taylor Brown Williams Wilson Johnson Davies Robinson Wright Thompson Evans "
    "Walker White Roberts Green Hall Wood Jackson Clarke Patel Khan Lewis James Phillips Mason "
    "Mitchell Rose Davis Rodriguez Cox Alexander Garcia Martin Lee Nguyen Chen Wang Li Zhang "
    "Liu Yang Huang Kim Park Choi Sato Suzuki Tanaka Watanabe Ito Muller Schmidt Schneider "
    "Fischer Weber Meyer Wagner Becker Hoffmann Rossi Russo Ferrari Esposito Bianchi Romano "
    "Colombo Silva Santos Oliveira Souza Pereira Costa Almeida Jensen Nielsen Hansen Pedersen "
    "Andersen Larsen Johansson Karlsson Nilsson Eriksson Olsen Berg Haugen Dubois Durand Moreau "
    "Laurent Simon Michel Lefebvre Leroy Kowalczyk Nowak Wojcik Kaminski Lewandowski Novak "
    "Horvath Kovacs Szabo Toth Murphy Kelly Byrne Ryan OConnor Walsh Gallagher Doyle McCarthy"
).split()
GIVEN = (
    "Anna Ben Clara David Emma Finn Grace Henrik Ines Jonas Kate Liam Maria Noah Olivia Paul "
    "Quentin Rosa Sam Tara Uma Victor Wen Xavier Yuki Zoe Aisha Bruno Chiara Dmitri Elena "
    "Farid Giulia Hana Ivan Julia Kenji Lena Marco Nadia Oscar Priya Rahul Sofia Tomas"
).split()

INTERVENTIONS = (
    "Exercise therapy", "Cognitive behavioural therapy", "Acupuncture", "Yoga", "Tai chi",
    "Pilates", "Massage therapy", "Spinal manipulation", "Hydrotherapy", "Mindfulness training",
    "Pain neuroscience education", "Motor control exercise", "Walking programmes",
    "Transcutaneous electrical nerve stimulation", "Dry needling", "Kinesio taping",
    "Nurse-led education", "Telehealth physiotherapy", "Web-based self-management",
    "Graded activity", "Opioid tapering", "Duloxetine", "Topical NSAIDs", "Platelet-rich plasma",
    "Hyaluronic acid injections", "Weight loss programmes", "Resistance training",
    "Aquatic exercise", "Smartphone coaching", "Multidisciplinary rehabilitation",
    "Low-level laser therapy", "Shockwave therapy", "Heat wraps", "Music therapy",
)  # fmt: skip
CONDITIONS = (
    "chronic low back pain", "knee osteoarthritis", "hip osteoarthritis", "fibromyalgia",
    "chronic neck pain", "rheumatoid arthritis", "shoulder pain", "hand osteoarthritis",
    "chronic widespread pain", "plantar fasciitis", "lateral epicondylalgia", "whiplash",
    "ankylosing spondylitis", "psoriatic arthritis", "temporomandibular disorders",
    "patellofemoral pain", "chronic pelvic pain", "gout", "osteoporotic fractures",
    "Achilles tendinopathy", "carpal tunnel syndrome", "systemic lupus erythematosus",
)  # fmt: skip
POPULATIONS = (
    "older adults", "women", "veterans", "office workers", "primary care patients",
    "nursing home residents", "adolescents", "rural communities", "people with obesity",
    "manual workers", "athletes", "people with diabetes", "low-income adults",
)  # fmt: skip
DESIGNS = (
    "a randomised controlled trial", "a pilot randomised trial", "a cohort study",
    "a cross-sectional survey", "a systematic review and meta-analysis", "a qualitative study",
    "a cluster randomised trial", "a non-inferiority trial", "a feasibility study",
    "a prospective observational study", "protocol for a randomised controlled trial",
    "a mixed-methods evaluation",
)  # fmt: skip
JOURNALS = (  # full title, abbreviation, ISSN
    ("Journal of Pain Research and Management", "J Pain Res Manag", "1701-2341"),
    ("Clinical Rehabilitation Reports", "Clin Rehabil Rep", "1802-5563"),
    ("Musculoskeletal Care and Practice", "Musculoskelet Care Pract", "1903-7785"),
    ("Arthritis Care and Outcomes", "Arthritis Care Outcomes", "2004-9907"),
    ("European Journal of Chronic Pain", "Eur J Chronic Pain", "2105-1129"),
    ("Journal of Physiotherapy Science", "J Physiother Sci", "2206-3341"),
    ("Patient Education and Self-Management", "Patient Educ Self Manag", "2307-5563"),
    ("Rheumatology Advances in Practice Research", "Rheumatol Adv Pract Res", "2408-7785"),
    ("BMC Musculoskeletal Trials", "BMC Musculoskelet Trials", "2509-9907"),
    ("Spine Health Journal", "Spine Health J", "2610-1129"),
    ("Journal of Community Health Interventions", "J Community Health Interv", "2711-3341"),
    ("Pain Medicine and Rehabilitation", "Pain Med Rehabil", "2812-5563"),
)
PEER = (
    "peer support", "peer-led self-management", "lay-led group education",
    "peer mentoring", "a peer coaching programme", "peer-delivered exercise support",
)  # fmt: skip
NEAR_MISS = {  # full-text exclusion reason -> title templates
    "Not a peer support intervention": (
        "Physiotherapist-led group education for {condition}: a randomised controlled trial",
        "Nurse-delivered telephone coaching for {condition}: a randomised trial",
        "Psychologist-led pain management groups for {condition}: a randomised trial",
    ),
    "Not a randomised design": (
        "Peer support for {condition}: a qualitative study of participants' experiences",
        "Peer-led self-management for {condition}: a prospective cohort study",
        "Peer mentoring for {condition}: an uncontrolled before-and-after study",
    ),
    "Population: not chronic musculoskeletal pain": (
        "Peer support after {other}: a randomised controlled trial",
        "Peer-led self-management for people with {other}: a randomised trial",
    ),
    "Conference abstract without results": (
        "Peer support for {condition}: design of a randomised trial (conference abstract)",
    ),
    "No outcome of the review": (
        "Peer support and medication adherence in {condition}: a randomised trial",
    ),
}
OTHER_CONDITIONS = (
    "heart failure", "type 2 diabetes", "stroke", "breast cancer", "chronic kidney disease",
    "HIV", "multiple sclerosis", "depression", "COPD",
)  # fmt: skip


@dataclass
class Report:
    title: str
    authors: list[tuple[str, str]]  # (surname, given names)
    year: int
    journal: tuple[str, str, str]
    volume: int
    issue: int
    first_page: int
    last_page: int
    doi: str | None
    pmid: str | None
    abstract: str
    in_scope: bool
    ta_decision: str = "exclude"
    ft_decision: str | None = None
    reason: str | None = None
    study_id: str | None = None
    databases: list[int] = field(default_factory=list)


def people(rng: np.random.Generator, n: int, first: str | None = None) -> list[tuple[str, str]]:
    picks = rng.choice(len(SURNAMES), size=n, replace=False)
    names = [SURNAMES[i] for i in picks]
    if first is not None:
        names[0] = first
    given = rng.choice(GIVEN, size=n)
    seconds = rng.choice(GIVEN, size=n)
    out = []
    for surname, g, second in zip(names, given, seconds, strict=True):
        surname = "O'Connor" if surname == "OConnor" else surname
        out.append((surname, f"{g} {second[0]}." if rng.random() < 0.4 else str(g)))
    return out


def new_report(rng, title, year, in_scope, first_author=None, abstract="") -> Report:
    journal = JOURNALS[int(rng.integers(len(JOURNALS)))]
    first_page = int(rng.integers(20, 1900))
    volume = int(year - 1990 + rng.integers(0, 3))
    serial = int(rng.integers(1000, 9999))
    return Report(
        title=title,
        authors=people(rng, int(rng.integers(2, 8)), first_author),
        year=year,
        journal=journal,
        volume=volume,
        issue=int(rng.integers(1, 13)),
        first_page=first_page,
        last_page=first_page + int(rng.integers(5, 16)),
        doi=f"10.9999/{journal[1].lower().replace(' ', '')}.{year}.{serial}"
        if rng.random() < 0.88
        else None,
        pmid=None,
        abstract=abstract or f"Background: {title}. Methods and results are synthetic.",
        in_scope=in_scope,
    )


def make_reports(rng: np.random.Generator) -> list[Report]:
    with open(HERE / "studies.csv", newline="", encoding="utf-8") as handle:
        studies = list(csv.DictReader(handle))
    reports: list[Report] = []
    for study in studies:
        surname, year = study["label"].rsplit(" ", 1)
        design = {
            "cluster RCT": "a cluster randomised controlled trial",
            "feasibility RCT": "a feasibility randomised controlled trial",
        }.get(study["design"], "a randomised controlled trial")
        peer = PEER[int(rng.integers(len(PEER)))]
        title = f"{peer[0].upper()}{peer[1:]} for {study['condition']}: {design}"
        main = new_report(rng, title, int(year), True, surname)
        main.ta_decision, main.ft_decision, main.study_id = "include", "include", study["study_id"]
        reports.append(main)
        if study["study_id"] in SECOND_REPORTS:
            text = SECOND_REPORTS[study["study_id"]].format(peer=peer, condition=study["condition"])
            later = new_report(rng, text[0].upper() + text[1:], int(year) + 2, True, surname)
            later.authors = main.authors[:2] + later.authors[2:]
            later.ta_decision, later.ft_decision = "include", "include"
            later.study_id = study["study_id"]
            reports.append(later)
    for reason, count in FULL_TEXT_EXCLUSIONS:
        templates = NEAR_MISS[reason]
        conditions = rng.choice(len(CONDITIONS), size=count, replace=False)
        others = rng.choice(len(OTHER_CONDITIONS), size=count, replace=True)
        for i in range(count):
            template = templates[i % len(templates)]
            title = template.format(
                condition=CONDITIONS[int(conditions[i])],
                other=OTHER_CONDITIONS[int(others[i])],
            )
            report = new_report(rng, title, int(rng.integers(2005, 2024)), True)
            report.ta_decision, report.ft_decision, report.reason = "include", "exclude", reason
            reports.append(report)
    for c in rng.choice(len(CONDITIONS), size=N_NOT_RETRIEVED, replace=False):
        condition = CONDITIONS[int(c)]
        title = f"Peer volunteers in community programmes for {condition}: a controlled trial"
        report = new_report(rng, title, int(rng.integers(2005, 2024)), True)
        report.ta_decision, report.ft_decision = "include", "not_retrieved"
        reports.append(report)
    combos = [
        (i, c, p, d)
        for i in range(len(INTERVENTIONS))
        for c in range(len(CONDITIONS))
        for p in range(len(POPULATIONS))
        for d in range(len(DESIGNS))
    ]
    picks = rng.choice(len(combos), size=N_OUT_OF_SCOPE, replace=False)
    for pick in picks:
        i, c, p, d = combos[int(pick)]
        title = f"{INTERVENTIONS[i]} for {CONDITIONS[c]} in {POPULATIONS[p]}: {DESIGNS[d]}"
        reports.append(new_report(rng, title, int(rng.integers(2000, 2024)), False))
    order = rng.permutation(len(reports))
    reports = [reports[int(k)] for k in order]
    for index, report in enumerate(reports):
        for db, (_, _, p_in, p_out) in enumerate(DATABASES):
            if rng.random() < (p_in if report.in_scope else p_out):
                report.databases.append(db)
        if not report.databases:
            report.databases.append(int(rng.integers(len(DATABASES))))
        if 0 in report.databases or rng.random() < 0.5:
            report.pmid = str(30_000_000 + 7 * index)
    return reports


# --- the export formats --------------------------------------------------------------------


def initials(given: str) -> str:
    return "".join(part[0] for part in given.replace(".", " ").split())


def short_range(first: int, last: int) -> str:
    """PubMed's page range: 1234-45."""
    a, b = str(first), str(last)
    if len(a) == len(b):
        k = next((i for i in range(len(a)) if a[i] != b[i]), len(a))
        b = b[k:] or b
    return f"{a}-{b}"


def nbib(report: Report) -> str:
    lines = [f"PMID- {report.pmid}", "OWN - NLM", "STAT- MEDLINE"]
    lines.append(f"IS  - {report.journal[2]} (Print)")
    lines += [f"VI  - {report.volume}", f"IP  - {report.issue}", f"DP  - {report.year}"]
    lines += wrap("TI  - ", report.title + ".")
    lines.append(f"PG  - {short_range(report.first_page, report.last_page)}")
    if report.doi:
        lines.append(f"LID - {report.doi} [doi]")
    lines += wrap("AB  - ", report.abstract)
    for surname, given in report.authors:
        lines += [f"FAU - {surname}, {given}", f"AU  - {surname} {initials(given)}"]
    lines += ["LA  - eng", "PT  - Journal Article"]
    lines += [f"TA  - {report.journal[1]}", f"JT  - {report.journal[0]}"]
    if report.doi:
        lines.append(f"AID - {report.doi} [doi]")
    return "\n".join(lines) + "\n"


def wrap(tag: str, text: str, width: int = 82) -> list[str]:
    words, lines, current = text.split(), [], tag
    for word in words:
        if len(current) + len(word) + 1 > width and current.strip() != tag.strip():
            lines.append(current.rstrip())
            current = "      "
        current += word + " "
    lines.append(current.rstrip())
    return lines


def ovid_ris(report: Report, database: str, index: int) -> str:
    tags = [("TY", "JOUR"), ("DB", database), ("AN", report.pmid or str(600_000_000 + index))]
    tags += [("ID", str(index + 1)), ("T1", report.title)]
    tags += [("A1", f"{s}, {g}") for s, g in report.authors]
    tags += [("Y1", f"{report.year}//"), ("JF", report.journal[0]), ("JA", report.journal[1])]
    tags += [("VL", str(report.volume)), ("IS", str(report.issue))]
    tags += [("SP", str(report.first_page)), ("EP", str(report.last_page))]
    tags += [("SN", report.journal[2]), ("LA", "English"), ("N2", report.abstract)]
    if report.doi:
        tags.append(("DO", f"https://doi.org/{report.doi}"))
    return "".join(f"{t}  - {v}\n" for t, v in tags) + "ER  - \n"


def ebsco_ris(report: Report, database: str, index: int) -> str:
    number = str(150_000_000 + index)
    tags = [("TY", "JOUR"), ("ID", number), ("T1", report.title)]
    tags += [("AU", f"{s}, {initials(g)}.") for s, g in report.authors]
    tags += [("Y1", str(report.year)), ("N2", report.abstract), ("JF", report.journal[0])]
    tags += [("VL", str(report.volume)), ("IS", str(report.issue))]
    tags += [("SP", str(report.first_page)), ("EP", str(report.last_page))]
    tags += [("SN", report.journal[2]), ("N1", f"Accession Number: {number}")]
    if report.doi:
        tags.append(("M3", f"doi:{report.doi}"))
    tags += [("DB", database), ("AN", number), ("DP", "EBSCOhost")]
    return "".join(f"{t}  - {v}\n" for t, v in tags) + "ER  - \n"


def cochrane_ris(report: Report, index: int) -> str:
    number = f"CN-0{2_100_000 + index}"
    tags = [("TY", "JOUR"), ("ID", number)]
    tags += [("AU", f"{s}, {g}") for s, g in report.authors]
    tags += [("TI", report.title), ("JO", report.journal[0]), ("PY", str(report.year))]
    tags += [("VL", str(report.volume)), ("IS", str(report.issue))]
    tags += [("SP", str(report.first_page)), ("EP", str(report.last_page))]
    if report.doi:
        tags.append(("DO", report.doi))
    tags.append(("AN", number))
    if report.pmid:
        tags.append(("M1", report.pmid))
    tags.append(("AB", report.abstract))
    return "".join(f"{t}  - {v}\n" for t, v in tags) + "ER  - \n"


def xml_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def endnote_xml(report: Report, index: int) -> str:
    def styled(text: str) -> str:
        return f'<style face="normal" font="default" size="100%">{xml_escape(text)}</style>'

    authors = "".join(f"<author>{styled(f'{s}, {g}')}</author>" for s, g in report.authors)
    parts = [
        f"<rec-number>{index + 1}</rec-number>",
        '<ref-type name="Journal Article">17</ref-type>',
        f"<contributors><authors>{authors}</authors></contributors>",
        f"<titles><title>{styled(report.title)}</title>"
        f"<secondary-title>{styled(report.journal[0])}</secondary-title></titles>",
        f"<periodical><full-title>{styled(report.journal[0])}</full-title></periodical>",
        f"<pages>{styled(f'{report.first_page}-{report.last_page}')}</pages>",
        f"<volume>{styled(str(report.volume))}</volume>",
        f"<number>{styled(str(report.issue))}</number>",
        f"<dates><year>{styled(str(report.year))}</year></dates>",
        f"<isbn>{styled(report.journal[2])}</isbn>",
    ]
    if report.doi:
        parts.append(f"<electronic-resource-num>{styled(report.doi)}</electronic-resource-num>")
    parts.append(f"<abstract>{styled(report.abstract)}</abstract>")
    parts.append(f"<remote-database-name>{styled('CINAHL Ultimate')}</remote-database-name>")
    return "<record>" + "".join(parts) + "</record>\n"


SCOPUS_COLUMNS = (
    "Authors", "Author full names", "Title", "Year", "Source title", "Volume", "Issue",
    "Art. No.", "Page start", "Page end", "DOI", "Abstract", "ISSN", "PubMed ID",
    "Language of Original Document", "Document Type", "Source", "EID",
)  # fmt: skip


def scopus_row(report: Report, index: int) -> list[str]:
    short = "; ".join(f"{s}, {initials(g)}." for s, g in report.authors)
    full = "; ".join(f"{s}, {g}" for s, g in report.authors)
    return [
        short, full, report.title, str(report.year), report.journal[0], str(report.volume),
        str(report.issue), "", str(report.first_page), str(report.last_page), report.doi or "",
        report.abstract, report.journal[2].replace("-", ""), report.pmid or "", "English",
        "Article", "Scopus", f"2-s2.0-{85_000_000_000 + index}",
    ]  # fmt: skip


def write_exports(reports: list[Report], rng: np.random.Generator) -> dict[int, list[Report]]:
    folder = HERE / "records"
    folder.mkdir(exist_ok=True)
    held: dict[int, list[Report]] = {}
    for db, (name, file, _, _) in enumerate(DATABASES):
        mine = [r for r in reports if db in r.databases]
        mine = [mine[int(k)] for k in rng.permutation(len(mine))]
        held[db] = mine
        if file.endswith(".nbib"):
            text = "\n".join(nbib(r) for r in mine)
        elif file == "central.ris":
            text = "\n".join(cochrane_ris(r, i) for i, r in enumerate(mine))
        elif file == "psycinfo.ris":
            text = "\n".join(ebsco_ris(r, "APA PsycInfo", i) for i, r in enumerate(mine))
        elif file.endswith(".ris"):
            db_name = name.removesuffix(" (Ovid)")
            text = "\n".join(ovid_ris(r, db_name, i) for i, r in enumerate(mine))
        elif file.endswith(".xml"):
            text = (
                '<?xml version="1.0" encoding="UTF-8" ?><xml><records>\n'
                + "".join(endnote_xml(r, i) for i, r in enumerate(mine))
                + "</records></xml>\n"
            )
        else:
            buffer = io.StringIO()
            writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\n")
            writer.writerow(SCOPUS_COLUMNS)
            writer.writerows(scopus_row(r, i) for i, r in enumerate(mine))
            text = "\ufeff" + buffer.getvalue()
        (folder / file).write_text(text, encoding="utf-8", newline="\n")
    return held


def write_screening(reports: list[Report], held: dict[int, list[Report]]) -> None:
    """One decision per unique report, on its first record in search order."""
    first: dict[int, tuple[int, int]] = {}
    for db in range(len(DATABASES)):
        for position, report in enumerate(held[db]):
            first.setdefault(id(report), (db, position + 1))
    rows = []
    for report in sorted(reports, key=lambda r: first[id(r)]):
        db, position = first[id(report)]
        record = f"{DATABASES[db][1]}#{position}"
        rows.append([record, "title_abstract", report.ta_decision, "", ""])
        if report.ft_decision:
            rows.append(
                [record, "full_text", report.ft_decision, report.reason or "",
                 report.study_id or ""]
            )  # fmt: skip
    with open(HERE / "screening.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["record_id", "stage", "decision", "reason", "study_id"])
        writer.writerows(rows)


def main() -> None:
    rng = np.random.default_rng(SEED)
    reports = make_reports(rng)
    held = write_exports(reports, rng)
    write_screening(reports, held)
    total = sum(len(v) for v in held.values())
    print(f"{len(reports)} unique reports, {total} records in {len(DATABASES)} exports:")
    for db, (name, file, _, _) in enumerate(DATABASES):
        print(f"  {name:<26} records/{file:<14} {len(held[db]):>5}")


if __name__ == "__main__":
    main()
