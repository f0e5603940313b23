"""Writes the malformed-input corpus: each file replaces one table of the
tiny-ucla3 fixture. tests/malformed.rs runs belong on every case and
requires a clean error (exit 1, the file and the place named, no report
folder) or a correct result (exit 0, kept + excluded = read).

    python3 tests/corpus/make_corpus.py tests/fixtures/tiny-ucla3
"""
import gzip
import os
import sys

base = sys.argv[1]
here = os.path.dirname(os.path.abspath(__file__))


def read(table):
    with open(os.path.join(base, table + ".csv"), encoding="utf-8") as f:
        return f.read()


def write(name, data):
    mode = "wb" if isinstance(data, bytes) else "w"
    with open(os.path.join(here, name), mode, **({} if mode == "wb" else {"encoding": "utf-8", "newline": ""})) as f:
        f.write(data)


A = read("assessments")
P = read("participants")
T = read("attendance") if os.path.exists(os.path.join(base, "attendance.csv")) else None
a_lines = A.splitlines()
p_lines = P.splitlines()


def a_with(line_index, new_line):
    lines = list(a_lines)
    lines[line_index] = new_line
    return "\n".join(lines) + "\n"


def replace_cell(lines, row, column, value):
    header = lines[0].split(",")
    cells = lines[row].split(",")
    cells[header.index(column)] = value
    out = list(lines)
    out[row] = ",".join(cells)
    return "\n".join(out) + "\n"


cases = {
    "assessments.empty_file.csv": "",
    "assessments.header_only.csv": a_lines[0] + "\n",
    "assessments.bom_crlf.csv": "\ufeff" + "\r\n".join(a_lines) + "\r\n",
    "assessments.ragged_row.csv": A + a_lines[1] + ",9,9\n",
    "assessments.short_row.csv": A + "P999,baseline\n",
    "assessments.unclosed_quote.csv": A + '"P001,baseline,2025-01-01,1,2,3\n',
    "assessments.letter_in_item.csv": replace_cell(a_lines, 3, "ucla3_2", "x"),
    "assessments.item_out_of_range.csv": replace_cell(a_lines, 3, "ucla3_2", "4"),
    # Beyond a 32-bit response: refused naming the cell, not wrapped.
    "assessments.item_beyond_32_bits.csv": replace_cell(a_lines, 3, "ucla3_2", "3000000000"),
    "assessments.negative_item.csv": replace_cell(a_lines, 3, "ucla3_1", "-1"),
    "assessments.fractional_item.csv": replace_cell(a_lines, 3, "ucla3_1", "2.5"),
    "assessments.duplicate_header.csv": a_lines[0].replace("ucla3_3", "ucla3_2") + "\n" + "\n".join(a_lines[1:]) + "\n",
    "assessments.no_id_column.csv": "\n".join(",".join(l.split(",")[1:]) for l in a_lines) + "\n",
    "assessments.no_wave_column.csv": "\n".join(",".join(c for i, c in enumerate(l.split(",")) if i != 1) for l in a_lines) + "\n",
    "assessments.empty_id.csv": replace_cell(a_lines, 2, "participant_id", ""),
    "assessments.empty_wave.csv": replace_cell(a_lines, 2, "wave", ""),
    "assessments.duplicate_row.csv": A + a_lines[1] + "\n",
    "assessments.unknown_participant.csv": A + "ZZZ9,baseline,2025-01-01,1,2,3\n",
    "assessments.impossible_date.csv": replace_cell(a_lines, 2, "assessed_on", "2025-02-30"),
    "assessments.day_first_date.csv": replace_cell(a_lines, 2, "assessed_on", "03/04/2025"),
    "assessments.garbage_date.csv": replace_cell(a_lines, 2, "assessed_on", "last tuesday"),
    "assessments.trailing_empty_columns.csv": "\n".join(l + ",," for l in a_lines) + "\n",
    "assessments.tab_delimited.csv": "\n".join(l.replace(",", "\t") for l in a_lines) + "\n",
    "assessments.semicolons.csv": "\n".join(l.replace(",", ";") for l in a_lines) + "\n",
    "assessments.one_wave_only.csv": "\n".join([a_lines[0]] + [l for l in a_lines[1:] if ",baseline," in l]) + "\n",
    "assessments.item_beyond_instrument.csv": a_lines[0] + ",ucla3_4\n" + "\n".join(l + ",1" for l in a_lines[1:]) + "\n",
    "assessments.missing_item_column.csv": "\n".join(",".join(l.split(",")[:-1]) for l in a_lines) + "\n",
    "assessments.nul_bytes.csv": (A + "P001,week12,2025-01-01,1,\x00,3\n").encode("utf-8"),
    "assessments.blank_lines.csv": "\n".join(a_lines[:3]) + "\n   \n\n" + "\n".join(a_lines[3:]) + "\n\n",
    "assessments.random_bytes.csv": bytes((i * 97 + 13) % 256 for i in range(4096)),
    "assessments.embedded_newline.csv": A + '"P001","week12","2025-01-01","1","2\n","3"\n',
    "assessments.spaced_header.csv": ", ".join(a_lines[0].split(",")) + "\n" + "\n".join(a_lines[1:]) + "\n",
    "assessments.latin1.csv": (a_lines[0] + "\n" + "\n".join(a_lines[1:]) + "\nP001,w\xe9ek12,2025-01-01,1,2,3\n").encode("latin-1"),
    "assessments.not_really.xlsx": A,
    "assessments.truncated.parquet": b"PAR1" + bytes(100),
    # Compressed files named .csv; polars takes the magic bytes for
    # compression and, built without decompression, used to panic.
    "assessments.gzip_compressed.csv": gzip.compress(A.encode("utf-8"), mtime=0),
    "assessments.zstd_magic.csv": b"\x28\xb5\x2f\xfd" + bytes(60),
    # Plain text whose first bytes read as a zlib header ("x^").
    "assessments.zlib_like_header.csv": "x^" + A,
    "participants.duplicate_id.csv": P + p_lines[1] + "\n",
    "participants.empty_file.csv": "",
    "participants.long_field.csv": p_lines[0] + ",notes\n" + "\n".join(l + "," + "x" * 100000 for l in p_lines[1:]) + "\n",
    "participants.email_column.csv": p_lines[0] + ",contact\n" + "\n".join(l + f",p{i}@example.org" for i, l in enumerate(p_lines[1:])) + "\n",
    "participants.no_id_column.csv": "\n".join(",".join(l.split(",")[1:]) for l in p_lines) + "\n",
    "participants.huge_enrolment_year.csv": replace_cell(p_lines, 1, "enrolled_on", "99999-01-01") if "enrolled_on" in p_lines[0] else P + p_lines[1] + "\n",
}
if T is not None:
    t_lines = T.splitlines()
    cases.update({
        "attendance.bad_attended.csv": replace_cell(t_lines, 1, "attended", "maybe") if "attended" in t_lines[0] else T,
        "attendance.bad_format.csv": replace_cell(t_lines, 1, "format", "hybrid") if "format" in t_lines[0] else T,
        "attendance.no_session_date.csv": "\n".join(",".join(c for i, c in enumerate(l.split(",")) if i != 1) for l in t_lines) + "\n",
        "attendance.unknown_participant.csv": T + "ZZZ9," + ",".join(t_lines[1].split(",")[1:]) + "\n",
        "attendance.minutes_text.csv": replace_cell(t_lines, 1, "minutes", "an hour") if "minutes" in t_lines[0] else T,
    })
for name in list(os.listdir(here)):
    if name != os.path.basename(__file__) and name != "README.md":
        os.remove(os.path.join(here, name))
for name, data in cases.items():
    write(name, data)
print(f"{len(cases)} cases written to {here}")
