"""Writes the realistic exports of tests/exports (run from this folder).

Each file is what a charity's system or survey tool exports, with the
quirks that real exports have; tests/exports.rs runs `belong init` then
`belong report` on each and counts the hand edits needed. The files are
committed; rerun this only to change them (openpyxl 3.1).
"""
import datetime
import random

import openpyxl

rng = random.Random(20261201)
SITES = ["St Mark's", "Eastfield", "Riverside"]
ACTIVITIES = ["Walking group", "Art workshop", "Shared lunch", "Peer circle"]
WORDS = {1: "Hardly ever", 2: "Some of the time", 3: "Often"}
QUESTIONS = [
    "Q1 How often do you feel you lack companionship?",
    "Q2 How often do you feel left out?",
    "Q3 How often do you feel isolated from others?",
]
FIRST = ["Ann", "Bill", "Carol", "Dev", "Edna", "Frank", "Grace", "Hamid", "Iris", "Joe"]
LAST = ["Smith", "Patel", "Jones", "Okafor", "Brown", "Nowak", "Evans", "Khan"]


def clamp(value):
    return max(1, min(3, value))


def crm_workbook(path, clients=72):
    book = openpyxl.Workbook()
    book.properties.creator = "CRM"
    fixed = datetime.datetime(2026, 1, 1)
    book.properties.created = fixed
    book.properties.modified = fixed
    people = book.active
    people.title = "Clients"
    people.append(["Client ID", "Name", "Email", "Postcode", "Date of birth", "Site",
                   "Referral source", "Gender", "Start date"])
    surveys = book.create_sheet("Surveys")
    surveys.append(["Client ID", "Survey date", "Timepoint"] + QUESTIONS)
    sessions = book.create_sheet("Sessions")
    sessions.append(["Client ID", "Date", "Activity", "Attended"])
    survey_rows = []
    for i in range(1, clients + 1):
        cid = f"C-{i:04d}"
        site = SITES[i % 3]
        start = datetime.date(2024, 1, 8) + datetime.timedelta(days=rng.randrange(0, 240))
        born = datetime.date(1940, 1, 1) + datetime.timedelta(days=rng.randrange(0, 12000))
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        people.append([
            cid, name, f"{name.split()[0].lower()}{i}@example.org",
            f"LS{rng.randrange(1, 29)} {rng.randrange(1, 9)}AB",
            born.strftime("%d/%m/%Y"), site,
            rng.choice(["GP", "Self", "Social worker", "Housing officer"]),
            rng.choice(["Female", "Female", "Male", "Non-binary"] if i % 9 == 0 else ["Female", "Male"]),
            start.strftime("%d/%m/%Y"),
        ])
        weekly = rng.random()
        attended = 0
        for week in range(26):
            if rng.random() < 0.6:
                day = start + datetime.timedelta(days=7 * week + rng.randrange(0, 5))
                went = rng.random() < weekly
                attended += went
                sessions.append([cid, datetime.datetime.combine(day, datetime.time()),
                                 rng.choice(ACTIVITIES), "Y" if went else "N"])
        base = [clamp(round(rng.gauss(2.4, 0.6))) for _ in range(3)]
        benefit = min(attended / 12, 1.0)
        for wave, months in [("Intake", 0), ("3 months", 3), ("6 months", 6)]:
            if months and rng.random() < 0.2:
                continue
            answers = [clamp(round(b - benefit * months / 6 + rng.gauss(0, 0.5))) if months else b
                       for b in base]
            cells = []
            for answer in answers:
                if rng.random() < 0.02:
                    cells.append(None)
                elif site == "Riverside":
                    cells.append(answer)
                else:
                    cells.append(WORDS[answer])
            when = start + datetime.timedelta(days=months * 30 + rng.randrange(0, 6))
            survey_rows.append([cid, datetime.datetime.combine(when, datetime.time()), wave] + cells)
    survey_rows.insert(10, list(survey_rows[9]))  # an exact duplicate
    for row in survey_rows:
        surveys.append(row)
    for sheet in (surveys, sessions):
        for cell in sheet["B"][1:]:
            cell.number_format = "dd/mm/yyyy"
    book.save(path)


def semicolon_export(folder, people=48):
    """A European spreadsheet's CSV: semicolons, day-first dates with dots,
    a byte-order mark, CRLF, answers in words and numbered item names."""
    def write(name, header, rows):
        lines = [";".join(header)] + [";".join(str(c) for c in row) for row in rows]
        with open(f"{folder}/{name}", "w", encoding="utf-8-sig", newline="") as f:
            f.write("\r\n".join(lines) + "\r\n")
    participants, assessments, attendance = [], [], []
    for i in range(1, people + 1):
        pid = f"M{i:03d}"
        start = datetime.date(2025, 2, 3) + datetime.timedelta(days=rng.randrange(0, 90))
        participants.append([pid, ["Nord", "Süd"][i % 2], start.strftime("%d.%m.%Y")])
        sessions = rng.randrange(0, 14)
        for s in range(sessions):
            day = start + datetime.timedelta(days=7 * s + 1)
            attendance.append([pid, day.strftime("%d.%m.%Y"), "Café"])
        base = [clamp(round(rng.gauss(2.3, 0.6))) for _ in range(3)]
        for wave, weeks in [("Baseline", 0), ("Week 12", 12)]:
            answers = [clamp(round(b - sessions / 14 * (weeks > 0) + rng.gauss(0, 0.4))) for b in base]
            when = start + datetime.timedelta(days=7 * weeks + rng.randrange(0, 4))
            assessments.append([pid, wave, when.strftime("%d.%m.%Y")] + [WORDS[a].lower() for a in answers])
    write("participants.csv", ["Participant ID", "Location", "Start date"], participants)
    write("assessments.csv", ["Participant ID", "Wave", "Date completed", "UCLA 1", "UCLA 2", "UCLA 3"], assessments)
    write("attendance.csv", ["Participant ID", "Session date", "Activity"], attendance)


def qualtrics_export(path, people=40):
    """A Qualtrics CSV: three header rows (names, question texts, ImportIds),
    metadata columns, embedded data for the client and the timepoint, the
    UCLA-3 block with an attention check in it, answers in words."""
    import csv
    names = ["StartDate", "EndDate", "Status", "IPAddress", "Progress", "Duration (in seconds)",
             "Finished", "RecordedDate", "ResponseId", "ClientRef", "Timepoint",
             "Q5_1", "Q5_2", "Q5_3", "Q5_4"]
    texts = ["Start Date", "End Date", "Response Type", "IP Address", "Progress",
             "Duration (in seconds)", "Finished", "Recorded Date", "Response ID", "ClientRef",
             "Timepoint",
             "How often do you feel... - ...that you lack companionship?",
             "How often do you feel... - ...left out?",
             "How often do you feel... - ...isolated from others?",
             "How often do you feel... - Please choose 'Often' for this row"]
    imports = ['{"ImportId":"%s"}' % n for n in
               ["startDate", "endDate", "status", "ipAddress", "progress", "duration", "finished",
                "recordedDate", "_recordId", "ClientRef", "Timepoint",
                "QID5_1", "QID5_2", "QID5_3", "QID5_4"]]
    rows = []
    for i in range(1, people + 1):
        base = [clamp(round(rng.gauss(2.4, 0.5))) for _ in range(3)]
        start = datetime.datetime(2025, 1, 6, 9, 0) + datetime.timedelta(days=rng.randrange(0, 60))
        for wave, weeks in [("Baseline", 0), ("Follow-up", 12)]:
            if weeks and rng.random() < 0.15:
                continue
            when = start + datetime.timedelta(weeks=weeks, minutes=rng.randrange(0, 600))
            answers = [clamp(round(b - 0.5 * (weeks > 0) + rng.gauss(0, 0.4))) for b in base]
            rows.append([when.strftime("%Y-%m-%d %H:%M:%S"),
                         (when + datetime.timedelta(minutes=4)).strftime("%Y-%m-%d %H:%M:%S"),
                         "IP Address", f"10.0.{i}.{weeks}", "100", str(200 + rng.randrange(0, 300)),
                         "True", (when + datetime.timedelta(minutes=4)).strftime("%Y-%m-%d %H:%M:%S"),
                         "R_%016x" % rng.getrandbits(64), f"K{i:03d}", wave]
                        + [WORDS[a] for a in answers] + ["Often"])
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerows([names, texts, imports] + rows)


def wide_sheet(path, people=60):
    """The sheet most programmes keep: one row per person, UCLA-3 totals
    before, after and six months on, sessions attended."""
    import csv
    rows = [["ID", "Site", "UCLA pre", "UCLA post", "UCLA 6 months", "Sessions attended"]]
    for i in range(1, people + 1):
        pre = max(3, min(9, round(rng.gauss(6.5, 1.4))))
        sessions = rng.randrange(0, 20)
        post = max(3, min(9, round(pre - sessions / 12 + rng.gauss(0, 1))))
        later = max(3, min(9, round(post + rng.gauss(0.2, 1))))
        rows.append([f"W{i:03d}", ["North", "South"][i % 2], pre,
                     post if rng.random() > 0.1 else "", later if rng.random() > 0.25 else "",
                     sessions])
    with open(path, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)


if __name__ == "__main__":
    crm_workbook("crm/programme_export.xlsx")
    semicolon_export("semicolon")
    qualtrics_export("qualtrics/assessments.csv")
    wide_sheet("wide/programme.csv")
