"""The upload screens (import residents, status sync) and the EFAC/DUP worklists.

The upload returns at once and the import runs in a background thread; the
tests poll the same JSON endpoint the page's script polls, then read the report
the page and its CSV show. Pages are read in English (the session's language).
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import time
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from conftest import DESA_A, DESA_B, KEC_A, KEC_B
from security.ektp_support import flashes, sign_in, text, token_for

from ektp_admin import models
from ektp_admin.domain.enums import KtpStatus
from ektp_admin.population import jobs

DATA = Path(__file__).resolve().parents[1] / "data"
RESIDENTS = "/admin/import-residents/"
STATUSES = "/admin/import-statuses/"


def upload(client: Any, url: str, path: Path, **form: Any) -> Any:
    with path.open("rb") as fh:
        data = {"file": (fh, path.name), "csrf_token": token_for(client), **form}
        return client.post(url + "upload", data=data, content_type="multipart/form-data")


def wait(client: Any, job_url: str, timeout: float = 60) -> dict[str, Any]:
    """Poll the progress endpoint (as the page's script does) until the import ends."""
    progress_url = job_url.replace("/job?", "/progress?")
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        data = client.get(progress_url).get_json()
        seen.append(data)
        if data["finished"]:
            return data
        time.sleep(0.1)
    raise AssertionError(f"the import did not finish: {seen[-3:]}")


def count(app: Any, model: Any, *where: Any) -> int:
    with app.app_context():
        return models.db.session.execute(sa.select(sa.func.count()).select_from(model).where(*where)).scalar_one()


def read_csv(response: Any) -> list[list[str]]:
    """The header and the rows (the trailer line, "# complete: N rows", checked and left out)."""
    *rows, trailer = csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")))
    assert trailer[0] in (f"# complete: {len(rows) - 1:,} rows", f"# selesai: {len(rows) - 1:,} baris".replace(",", "."))
    return rows


# ---------------------------------------------------------------------- the upload screen


def test_admin_uploads_a_file_watches_it_run_and_reads_the_report(app: Any, client: Any) -> None:
    sign_in(client, "admin")
    page = text(client.get(RESIDENTS))
    assert "Import residents" in page and 'enctype="multipart/form-data"' in page
    response = upload(client, RESIDENTS, DATA / "residents_bad_rows.csv")
    assert response.status_code == 302
    job_url = response.headers["Location"]
    assert "/admin/import-residents/job?id=" in job_url
    final = wait(client, job_url)
    assert final["state"] == "refused"
    page = text(client.get(job_url))
    assert "Nothing was written: 19 of 21 rows are not valid." in page
    assert "X is not a known Sex; write one of: L, P." in page
    assert count(app, models.Resident) == 0
    report = read_csv(client.get(job_url.replace("/job?", "/report.csv?")))
    assert report[0] == ["Line", "Column", "NIK", "Kind", "Reason"]
    assert ["3", "NIK", "", "error", "NIK is empty."] in report
    with app.app_context():
        job = models.db.session.execute(sa.select(models.ImportJob)).scalar_one()
        assert (job.state, job.username, job.rows_read, job.file_name) == ("refused", "admin", 21,
                                                                             "residents_bad_rows.csv")
        assert not os.path.exists(os.path.join(jobs.job_folder(job.id), "upload.csv")), "the upload is not kept"
        entry = models.db.session.execute(sa.select(models.AuditEntry).where(
            models.AuditEntry.action == "import")).scalar_one()
        assert entry.username == "admin" and json.loads(entry.changes)["bad_rows"] == 19


def test_a_partial_import_from_the_screen_writes_the_valid_rows(app: Any, client: Any) -> None:
    sign_in(client, "supervisor")
    response = upload(client, RESIDENTS, DATA / "residents_id_semicolon_bom.csv", partial="1")
    final = wait(client, response.headers["Location"])
    assert final["state"] == "done"
    page = text(client.get(response.headers["Location"]))
    assert "Imported: 3 residents added, 0 updated, 0 unchanged." in page
    assert "Columns not used by the import (ignored): Keterangan tambahan." in page
    assert count(app, models.Resident) == 3
    assert "residents_id_semicolon_bom.csv" in text(client.get(RESIDENTS))


def test_the_progress_endpoint_tells_the_phase_and_the_numbers(app: Any, client: Any) -> None:
    sign_in(client, "admin")
    with app.app_context():
        job = models.ImportJob(kind="residents", file_name="besar.csv", state="running", username="admin")
        models.db.session.add(job)
        models.db.session.commit()
        job_id = job.id
        folder = jobs.job_folder(job_id)
    os.makedirs(folder, exist_ok=True)
    jobs.ProgressFile(folder)("writing", 250_000, 1_000_000)
    data = client.get(f"{RESIDENTS}progress?id={job_id}").get_json()
    assert (data["state"], data["finished"], data["phase"], data["percent"]) == ("running", False, "writing", 25)
    assert data["text"] == "Writing: 250,000 / 1,000,000 (25 %)"
    page = text(client.get(f"{RESIDENTS}job?id={job_id}"))
    assert 'data-ektp-progress="/admin/import-residents/progress?id=' in page
    assert "import_progress.js" in page and "<script>" not in page, "no inline script"
    # A job that stopped reporting (its process died) is shown as interrupted, and does not block new ones.
    stale = time.time() - jobs.STALE_AFTER.total_seconds() - 5
    with open(os.path.join(folder, jobs.PROGRESS_NAME), "w") as fh:
        json.dump({"phase": "writing", "done": 1, "total": 2, "at": stale}, fh)
    data = client.get(f"{RESIDENTS}progress?id={job_id}").get_json()
    assert (data["state"], data["finished"]) == ("interrupted", True)
    assert "nothing was written" in text(client.get(f"{RESIDENTS}job?id={job_id}"))


def test_one_import_at_a_time(app: Any, client: Any) -> None:
    sign_in(client, "admin")
    with app.app_context():
        job = models.ImportJob(kind="statuses", file_name="lain.csv", state="running", username="supervisor")
        models.db.session.add(job)
        models.db.session.commit()
        job_id = job.id
    os.makedirs(jobs.job_folder(job_id, app), exist_ok=True)
    jobs.ProgressFile(jobs.job_folder(job_id, app))("checking", 1, 10)
    response = upload(client, RESIDENTS, DATA / "residents_siak_en.csv")
    assert response.headers["Location"].endswith(f"/admin/import-statuses/job?id={job_id}")
    assert count(app, models.ImportJob) == 1
    assert any("Another import is running" in f for f in flashes(text(client.get(response.headers["Location"]))))


def test_an_upload_over_the_size_limit_is_refused_before_it_is_read(app: Any, client: Any) -> None:
    app.config["EKTP_ADMIN_MAX_UPLOAD_BYTES"] = 200
    sign_in(client, "admin")
    response = upload(client, RESIDENTS, DATA / "residents_siak_en.csv")
    assert response.status_code == 413
    assert count(app, models.ImportJob) == 0


def test_an_upload_larger_than_the_plugins_request_limit_is_taken(app: Any, client: Any, tmp_path: Path) -> None:
    """A population file is larger than a form: the upload has its own limit, not the 2 MB of every request."""
    big = tmp_path / "residents_big.csv"
    source = (DATA / "residents_siak_en.csv").read_text(encoding="utf-8")
    filler = "\n".join(" " * 200 for _ in range(15000))  # blank lines the reader skips: ~3 MB
    big.write_text(source.rstrip("\n") + "\n" + filler + "\n", encoding="utf-8")
    assert big.stat().st_size > app.config["EKTP_ADMIN_MAX_REQUEST_BYTES"]
    sign_in(client, "admin")
    from werkzeug.datastructures import FileStorage
    from werkzeug.test import encode_multipart

    # The body built in memory: the test client would spool a large one to a
    # temporary file it never closes.
    with big.open("rb") as fh:
        boundary, body = encode_multipart({"file": FileStorage(fh, big.name), "csrf_token": token_for(client),
                                           "dry_run": "1"})
    response = client.post(RESIDENTS + "upload", data=body,
                           content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 302, response.status_code
    assert count(app, models.ImportJob) == 1
    assert wait(client, response.headers["Location"])["state"] == "checked"  # a dry run, finished (not left running)


def test_an_upload_without_a_file_or_with_a_foreign_kecamatan_is_sent_back(app: Any, client: Any) -> None:
    sign_in(client, "admin")
    response = client.post(RESIDENTS + "upload", data={"csrf_token": token_for(client)})
    assert response.status_code == 303
    assert "Choose a CSV or XLSX file to import." in flashes(text(client.get(RESIDENTS)))
    response = upload(client, RESIDENTS, DATA / "residents_siak_en.csv", kecamatan="99.99.99")
    assert response.status_code == 303 and count(app, models.ImportJob) == 0


def test_uploads_need_a_csrf_token(app: Any, client: Any) -> None:
    sign_in(client, "admin")
    with (DATA / "residents_siak_en.csv").open("rb") as fh:
        response = client.post(RESIDENTS + "upload", data={"file": (fh, "x.csv")}, content_type="multipart/form-data")
    assert response.status_code == 400
    assert count(app, models.ImportJob) == 0


@pytest.mark.parametrize("url", [RESIDENTS, STATUSES])
def test_clerks_cannot_import(app: Any, client: Any, url: str) -> None:
    sign_in(client, "clerk")
    assert client.get(url).status_code == 403
    assert upload(client, url, DATA / "residents_siak_en.csv").status_code == 403
    assert count(app, models.ImportJob) == 0


def test_a_job_of_the_other_kind_or_no_job_is_not_found(app: Any, client: Any) -> None:
    sign_in(client, "admin")
    with app.app_context():
        job = models.ImportJob(kind="residents", file_name="a.csv", state="done", username="admin")
        models.db.session.add(job)
        models.db.session.commit()
        job_id = job.id
    assert client.get(f"{STATUSES}job?id={job_id}").status_code == 404
    assert client.get(f"{RESIDENTS}job?id=abc").status_code == 404
    assert client.get(f"{RESIDENTS}job?id=99999999999").status_code == 404


def test_status_sync_from_the_screen(app: Any, client: Any, runner: Any) -> None:
    assert runner.invoke(args=["ektp", "import-residents", str(DATA / "residents_siak_en.csv")]).exit_code == 0
    with app.app_context():
        models.db.session.execute(sa.update(models.Resident).values(ktp_status="sent",
                                                                    ktp_status_changed_on=dt.date(2016, 9, 1)))
        models.db.session.commit()
    sign_in(client, "admin")
    response = upload(client, STATUSES, DATA / "statuses.csv", partial="1")
    final = wait(client, response.headers["Location"])
    assert final["state"] == "done"
    page = text(client.get(response.headers["Location"]))
    assert "Imported: 3 status changes" in page, page
    assert "The status cannot go from Sent for enrolment (SFE) to Sent for enrolment (SFE)" not in page
    assert count(app, models.Resident, models.Resident.ktp_status == "duplicate") == 1


# ---------------------------------------------------------------------- worklists


@pytest.fixture
def failures(make_resident: Any) -> dict[str, int]:
    return {
        "efac_a": make_resident("EFAC SENDIRI", status=KtpStatus.ENROL_FAILED, desa=DESA_A,
                                ktp_status_changed_on=dt.date(2016, 9, 10)),
        "dup_a": make_resident("DUP SENDIRI", status=KtpStatus.DUPLICATE, desa=DESA_A),
        "efac_b": make_resident("EFAC TETANGGA", status=KtpStatus.ENROL_FAILED, desa=DESA_B),
        "dup_b": make_resident("DUP TETANGGA", status=KtpStatus.DUPLICATE, desa=DESA_B),
        "sent_a": make_resident("SUDAH KIRIM", status=KtpStatus.SENT, desa=DESA_A),
    }


def test_worklists_per_kecamatan_and_a_clerk_sees_only_theirs(app: Any, client: Any, failures: Any) -> None:
    sign_in(client, "supervisor")
    page = text(client.get("/admin/worklists/"))
    assert "EFAC SENDIRI" in page and "EFAC TETANGGA" in page and "DUP SENDIRI" not in page
    assert f'data-kecamatan="{KEC_A}"' in page and f'data-kecamatan="{KEC_B}"' in page
    page = text(client.get(f"/admin/worklists/?kind=dup&kecamatan={KEC_B}"))
    assert "DUP TETANGGA" in page and "DUP SENDIRI" not in page and "EFAC" not in page.split("ektp-worklist\"")[-1]
    rows = read_csv(client.get("/admin/worklists/export.csv?kind=dup"))
    assert sorted(r[4] for r in rows[1:]) == ["DUP SENDIRI", "DUP TETANGGA"]

    clerk = app.test_client()
    sign_in(clerk, "clerk")
    page = text(clerk.get("/admin/worklists/?kind=efac"))
    assert "EFAC SENDIRI" in page and "TETANGGA" not in page and f'data-kecamatan="{KEC_B}"' not in page
    assert clerk.get(f"/admin/worklists/?kecamatan={KEC_B}").status_code == 404
    rows = read_csv(clerk.get("/admin/worklists/export.csv?kind=efac"))
    assert [r[4] for r in rows[1:]] == ["EFAC SENDIRI"] and rows[1][-1] == "10-09-2016"


def test_a_full_refresh_from_the_screen_lists_who_is_missing(app: Any, client: Any, make_resident: Any) -> None:
    make_resident("SUDAH PINDAH", birth_date=dt.date(1960, 2, 2), sex="L")
    sign_in(client, "admin")
    response = upload(client, RESIDENTS, DATA / "residents_siak_en.csv", full_refresh="1", kecamatan=KEC_A,
                      partial="1")
    job_url = response.headers["Location"]
    assert wait(client, job_url)["state"] == "done"
    page = text(client.get(job_url))
    assert "1 residents of the region are not in the file" in page and "SUDAH PINDAH" in page
    rows = read_csv(client.get(job_url.replace("/job?", "/absent.csv?")))
    assert rows[0] == ["NIK", "Name", "Desa code"] and [r[1] for r in rows[1:]] == ["SUDAH PINDAH"]
    assert count(app, models.Resident, models.Resident.name == "SUDAH PINDAH") == 1


def test_a_report_is_removed_after_the_days_it_is_kept_and_its_page_says_so(app: Any, client: Any) -> None:
    """A report names residents: kept EKTP_ADMIN_IMPORT_REPORT_DAYS after its import
    ended, then removed when the screen is next opened; the summary stays, and the
    report's CSV says it is gone (never an empty file that reads as "no problems")."""
    sign_in(client, "admin")
    old_url = upload(client, RESIDENTS, DATA / "residents_bad_rows.csv").headers["Location"]
    assert wait(client, old_url)["state"] == "refused"
    new_url = upload(client, RESIDENTS, DATA / "residents_bad_rows.csv").headers["Location"]
    assert wait(client, new_url)["state"] == "refused"
    days = app.config["EKTP_ADMIN_IMPORT_REPORT_DAYS"]
    assert days == 30
    with app.app_context():
        old_id, new_id = models.db.session.execute(
            sa.select(models.ImportJob.id).order_by(models.ImportJob.id)).scalars().all()
        table = models.ImportJob.__table__
        ended = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None) - dt.timedelta(days=days)
        with models.db.engine.begin() as conn:  # the first ended just over the days kept, the other just inside
            conn.execute(table.update().where(table.c.id == old_id).values(finished_at=ended - dt.timedelta(minutes=1)))
            conn.execute(table.update().where(table.c.id == new_id).values(finished_at=ended + dt.timedelta(minutes=5)))
        old_folder, new_folder = jobs.job_folder(old_id), jobs.job_folder(new_id)
    assert os.path.isdir(old_folder) and os.path.isdir(new_folder)
    assert "residents_bad_rows.csv" in text(client.get(RESIDENTS))  # the screen opened: the old report goes
    assert not os.path.exists(old_folder) and os.path.isdir(new_folder)

    page = text(client.get(old_url))
    assert "Nothing was written: 19 of 21 rows are not valid." in page  # the summary stays
    assert f"removed {days} days after the import ended" in page and "X is not a known Sex" not in page
    gone = client.get(old_url.replace("/job?", "/report.csv?"))
    assert gone.status_code == 404 and f"The report of import {old_id} was removed" in text(gone)

    page = text(client.get(new_url))
    assert "X is not a known Sex" in page and "removed" not in page
    assert ["3", "NIK", "", "error", "NIK is empty."] in read_csv(client.get(new_url.replace("/job?", "/report.csv?")))
