from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from scenarios_app.selectors import scenario_list


def scenario_list_page(request: HttpRequest) -> HttpResponse:
    return render(request, "scenarios_app/scenario_list.html", {"scenarios": scenario_list()})
