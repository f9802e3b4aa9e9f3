from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from runs_app.selectors import batch_list, run_list


def run_list_page(request: HttpRequest) -> HttpResponse:
    return render(request, "runs_app/run_list.html", {"runs": run_list()[:200]})


def batch_list_page(request: HttpRequest) -> HttpResponse:
    return render(request, "runs_app/batch_list.html", {"batches": batch_list()[:200]})
