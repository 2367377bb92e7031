"""Downloads of payroll documents: a payslip, a run's payroll sheet, a run's payslips as a
zip. Signed in through the admin (session) or with an API token. A payout or run the user
may not download answers 404, exactly as one that does not exist. Pay documents are never
stored by a browser or proxy cache (`Cache-Control: no-store`)."""

import io
import tempfile

from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext
from rest_framework.views import APIView

from core.formats import XLSX_CONTENT_TYPE
from payroll.excel.selectors import runs_with_payslips_for, runs_with_sheets_for
from payroll.excel.services import (
    payroll_sheet_download_name,
    payroll_sheet_ensure,
    payslip_file_name,
    payslip_render,
    payslips_zip_write,
)
from payroll.models import READY, Payout, PayrollRun
from payroll.selectors import payouts_with_payslips_for
from payroll.services import RUN_NOT_CALCULATED, RunStateError


def _not_cached(response: FileResponse) -> FileResponse:
    add_never_cache_headers(response)  # no-cache, no-store, must-revalidate, private
    return response


def payslip_response(payout: Payout) -> FileResponse:
    """The payout's payslip as an .xlsx attachment (here and in the API)."""
    name = payslip_file_name(payout.employee.personnel_number, payout.run.period)
    return _not_cached(
        FileResponse(io.BytesIO(payslip_render(payout=payout)), as_attachment=True, filename=name, content_type=XLSX_CONTENT_TYPE)
    )


def payroll_sheet_response(built: PayrollRun) -> FileResponse:
    """The payroll sheet of a run `payroll_sheet_ensure` built, as an .xlsx attachment (here
    and in the API)."""
    return _not_cached(
        FileResponse(
            built.sheet.open("rb"), as_attachment=True, filename=payroll_sheet_download_name(built), content_type=XLSX_CONTENT_TYPE
        )
    )


class DownloadView(APIView):
    # Signed in or not, what the user may not download is a 404 (the selectors decide).
    permission_classes: list = []

    def perform_content_negotiation(self, request, force=False):
        # A file answers whatever the client accepts; errors fall back to JSON.
        return super().perform_content_negotiation(request, force=True)


def _not_calculated(run) -> RunStateError:
    """Raised, it answers 409 in the API's error shape (config.api.exception_handler)."""
    return RunStateError(
        RUN_NOT_CALCULATED,
        gettext("the %(period)s run is %(status)s; its documents are ready once it is calculated") % {"period": run.period, "status": run.status},
    )


class PayslipDownload(DownloadView):
    """The employee's own payslip once the run is approved; HR's for their company's payouts."""

    def get(self, request, payout_id: int):
        payout = get_object_or_404(payouts_with_payslips_for(request.user), pk=payout_id)
        return payslip_response(payout)


class PayrollSheetDownload(DownloadView):
    """The run's payroll sheet (HR and finance of its company), built now if missing or stale."""

    def get(self, request, run_id: int):
        run = get_object_or_404(runs_with_sheets_for(request.user), pk=run_id)
        built = payroll_sheet_ensure(run=run)
        if built is None:
            raise _not_calculated(run)
        return payroll_sheet_response(built)


class PayslipsZipDownload(DownloadView):
    """Every payslip of the run in one zip (HR of its company), written to a temporary file
    that is streamed out and removed when sent."""

    def get(self, request, run_id: int):
        run = get_object_or_404(runs_with_payslips_for(request.user), pk=run_id)
        if run.status not in READY:
            raise _not_calculated(run)
        archive = tempfile.TemporaryFile()
        payslips_zip_write(run=run, target=archive)
        archive.seek(0)
        name = f"payslips_{run.company.slug}_{run.period}.zip"
        return _not_cached(FileResponse(archive, as_attachment=True, filename=name, content_type="application/zip"))
