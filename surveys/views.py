"""Survey pages: answering (token, no login), and HR's surveys, results and questionnaires."""

import hashlib

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import BadRequest, ValidationError
from django.http import Http404, HttpRequest
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from surveys import questionnaire as qmod
from surveys import results as res
from surveys import selectors, services
from surveys.forms import (
    ActionForm,
    ActionStatusForm,
    AnswerPageForm,
    FactorScoresImportForm,
    InviteForm,
    QuestionFormSet,
    QuestionnaireForm,
    ResultsFilterForm,
    SurveyForm,
)
from surveys.models import LIKERT_MAX, LIKERT_MIN, dimension_label
from toppleder import dates
from toppleder.pages import filters, form_error, paginate
from toppleder.permissions import is_hr, require_hr
from toppleder.spreadsheets import Sheet, sheet_response

PAGE_SIZE = 4  # questions per page when answering: short pages suit a phone

STATUS_FOR_CODE = {
    services.UNKNOWN_TOKEN: 404,
    services.ALREADY_ANSWERED: 410,
    services.SURVEY_CLOSED: 410,
    services.SURVEY_NOT_OPEN: 403,
    services.QUESTIONNAIRE_CHANGED: 409,
}


def _estimate(kinds):
    seconds = qmod.estimated_seconds(kinds)
    return {"seconds": seconds, "minutes": qmod.estimated_minutes(seconds), "too_long": qmod.too_long(seconds)}


# --- answering (the token is the credential) -------------------------------------


def _draft_key(token: str) -> str:
    # The session keeps a draft under a hash of the token, never the token itself.
    return "survey-draft:" + hashlib.sha256(token.encode()).hexdigest()[:32]


def _unavailable(request, exc: ValidationError):
    return render(
        request,
        "surveys/answer_unavailable.html",
        {"message": exc.messages[0], "code": exc.code},
        status=STATUS_FOR_CODE.get(exc.code, 404),
    )


def _page_number(raw, pages: int) -> int:
    if raw in (None, ""):
        return 1
    if not str(raw).isdigit():
        raise BadRequest("page is not a number")
    return min(max(int(raw), 1), pages)


@never_cache
@require_http_methods(["GET", "POST"])
def answer(request, token: str):
    """One page of questions at a time; drafts live in the session until submitted."""
    try:
        inv = services.invitation_for_token(token)
    except ValidationError as exc:
        return _unavailable(request, exc)
    survey = inv.survey
    questions = list(survey.questionnaire.questions.order_by("order"))
    pages = [questions[i : i + PAGE_SIZE] for i in range(0, len(questions), PAGE_SIZE)] or [[]]
    key = _draft_key(token)
    draft: dict = dict(request.session.get(key, {}))
    page_no = _page_number(
        request.POST.get("page") if request.method == "POST" else request.GET.get("page"), len(pages)
    )
    errors: dict = {}

    if request.method == "POST":
        action = request.POST.get("action", "next")
        form = AnswerPageForm(request.POST, questions=pages[page_no - 1])
        valid = form.is_valid()
        errors = {} if valid else form.errors
        for q in form.questions:
            draft.pop(str(q.pk), None)
        draft.update(form.draft_values())
        request.session[key] = draft
        if action == "back":
            return redirect(f"{reverse('surveys:answer', args=[token])}?page={max(page_no - 1, 1)}")
        if action == "pause":
            messages.info(request, _("Your answers so far are saved on this device. Open the link again to continue."))
            return redirect(f"{reverse('surveys:answer', args=[token])}?page={page_no}")
        if valid and action == "next" and page_no < len(pages):
            return redirect(f"{reverse('surveys:answer', args=[token])}?page={page_no + 1}")
        if valid and action == "submit":
            try:
                services.response_submit(token=token, answers={int(k): v for k, v in draft.items()})
            except ValidationError as exc:
                if not hasattr(exc, "error_dict"):
                    request.session.pop(key, None)
                    return _unavailable(request, exc)
                errors = exc.message_dict
                first = min(int(name[1:]) for name in errors)
                page_no = next(i for i, pg in enumerate(pages, start=1) if any(q.pk == first for q in pg))
            else:
                request.session.pop(key, None)
                return redirect("surveys:answer_thanks")

    on_page = pages[page_no - 1]
    first_no = (page_no - 1) * PAGE_SIZE + 1
    items = []
    for i, q in enumerate(on_page):
        items.append(
            {
                "q": q,
                "number": first_no + i,
                "name": f"q{q.pk}",
                "value": draft.get(str(q.pk), ""),
                "errors": errors.get(f"q{q.pk}", []),
            }
        )
    context = {
        "survey": survey,
        "token": token,
        "items": items,
        "scale": list(range(LIKERT_MIN, LIKERT_MAX + 1)),
        "page_no": page_no,
        "page_count": len(pages),
        "first_no": first_no,
        "last_no": first_no + len(on_page) - 1,
        "total": len(questions),
        "answered_count": len(draft),
        "is_last": page_no == len(pages),
        "errors": errors,
        # The error summary at the top of the page (templates/base.html): each links to its question.
        "error_items": [
            {
                "target": f"{item['name']}-{LIKERT_MIN}" if item["q"].is_likert else item["name"],
                "text": f"{item['number']}. {item['q'].text}: {' '.join(str(e) for e in item['errors'])}",
            }
            for item in items
            if item["errors"]
        ],
        "estimate": _estimate(q.kind for q in questions),
        "k": res.min_respondents(),
    }
    return render(request, "surveys/answer.html", context, status=400 if errors else 200)


@require_GET
def answer_thanks(request):
    return render(request, "surveys/answer_thanks.html")


# --- HR: surveys ------------------------------------------------------------------


@login_required
@require_GET
def survey_list(request):
    require_hr(request.user)
    return render(request, "surveys/survey_list.html", {"page": paginate(request, selectors.surveys_with_counts())})


@login_required
@require_http_methods(["GET", "POST"])
def survey_create(request):
    require_hr(request.user)
    form = SurveyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            survey = services.survey_create(
                programme=data["programme"],
                questionnaire=data["questionnaire"],
                title=data["title"],
                kind=data["kind"],
                opens_at=data["opens_at"],
                closes_at=data["closes_at"],
                session=data["session"],
                group_ref=data["group_ref"],
                pair_ref=data["pair_ref"],
                created_by=request.user,
            )
        except ValidationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("The survey was created. Now invite the people who should answer."))
            return redirect("surveys:survey_detail", survey.pk)
    return render(request, "surveys/survey_form.html", {"form": form})


@login_required
@require_GET
def survey_detail(request, pk: int):
    survey = selectors.survey_for(request.user, pk)
    counts = selectors.surveys_with_counts().filter(pk=survey.pk).values("invited_count", "answered_count").first()
    kinds = selectors.question_kinds(survey.questionnaire)
    return render(
        request,
        "surveys/survey_detail.html",
        {
            "survey": survey,
            "counts": counts,
            "estimate": _estimate(kinds),
            "question_count": len(kinds),
            "invite_form": InviteForm(),
            "k": res.min_respondents(),
        },
    )


@login_required
@require_POST
def survey_invite(request, pk: int):
    survey = selectors.survey_for(request.user, pk)
    form = InviteForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose who should be invited."))
        return redirect("surveys:survey_detail", survey.pk)
    try:
        n = services.survey_invite(survey=survey, audience=form.cleaned_data["audience"], by=request.user)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        if n:
            messages.success(request, _("%(n)s invitations are on their way.") % {"n": n})
        else:
            messages.info(request, _("Everyone in that audience was already invited."))
    return redirect("surveys:survey_detail", survey.pk)


@login_required
@require_POST
def survey_remind(request, pk: int):
    survey = selectors.survey_for(request.user, pk)
    try:
        n = services.survey_remind(survey=survey, by=request.user)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, _("A reminder is on its way to %(n)s people who have not answered.") % {"n": n})
    return redirect("surveys:survey_detail", survey.pk)


def _figures(survey, segment, value):
    """The survey's figures and its comparison with the earlier wave (results.figures: a
    closed survey's are computed once, under a key of its answer counts)."""
    return res.figures(survey, segment=segment, value=value)


def _results_context(request, survey, figures=None, actions=None):
    filt = ResultsFilterForm(request.GET or None)
    # One group of the breakdown (`?segment=level&value=2`): a leader level must be a number.
    segment, value = _segment_asked(request)
    result, comparison = figures or _figures(survey, segment, value)
    result = res.relabelled(result)
    actions_earlier, actions_own = actions or res.actions_on(survey)
    focus = None
    if result.available and result.segment and result.selected_value is not None and not result.selected_hidden:
        v = result.selected_value
        focus = {
            "label": next((label for key, label, _vis in result.segment_values if key == v), v),
            "dimensions": [(r.label, r.cells.get(v) or res.Cell(suppressed=True), r) for r in result.dimensions],
            "questions": [(r.label, r.cells.get(v) or res.Cell(suppressed=True), r) for r in result.questions],
        }
    return {
        "survey": survey,
        "result": result,
        "filter_form": filt,
        "focus": focus,
        "comparison": comparison,
        "chart": res.comparison_chart(comparison) if comparison.rows else None,
        "interval_chart": res.interval_chart(comparison),
        "between": [],  # the page puts its own in (survey_results)
        "scale": list(range(LIKERT_MIN, LIKERT_MAX + 1)),
        "segment_label": res.SEGMENT_LABELS.get(result.segment, ""),
        "overall_dimensions": [(r.label, r.overall, r) for r in result.dimensions],
        # Each factor with the actions taken on it since earlier waves and those made from it.
        "factor_rows": [(r, actions_earlier.get(r.key, []), actions_own.get(r.key, [])) for r in result.dimensions],
        "any_actions": bool(actions_earlier or actions_own),
        "overall_questions": [(r.label, r.overall, r) for r in result.questions],
    }


@login_required
@require_GET
def survey_results(request, pk: int):
    survey = selectors.survey_for(request.user, pk)
    # The body (figures, tables, charts, the actions on the factors) is the same for everyone
    # in HR. It is kept under a key made of everything it shows, read fresh on every visit:
    # the figures' stamp (results.figures: the waves' answer counts), the survey rows, the
    # segments' current names and the actions with what the page shows of them. So it is
    # correct at commit, and a write that changes none of these (a sign-up, an answer to
    # another survey) does not make it be rendered again. What the body shows must be in the
    # key: `_results_body_key`. The sessions between the waves are read on every visit (the
    # session table changes with every sign-up) and put into their place in the body.
    result, comparison = _figures(survey, *_segment_asked(request))
    html = _results_body(request, survey, result, comparison)
    between = res.sessions_between_waves(comparison) if comparison.available else []
    # Rendered only when what it lists changed (the rows read above are its key).
    between_key = f"surveys:results-between:{hashlib.sha256(repr((get_language(), between)).encode()).hexdigest()[:32]}"
    between_html = cache.get(between_key)
    if between_html is None:
        between_html = render_to_string("surveys/_results_between.html", {"between": between}, request=request)
        cache.set(between_key, between_html, RESULTS_BODY_TIMEOUT)
    return render(
        request,
        "surveys/results.html",
        {"survey": survey, "body": mark_safe(html.replace(BETWEEN_SLOT, between_html))},  # noqa: S308 (our templates)
    )


BETWEEN_SLOT = "<!-- sessions between the waves -->"
RESULTS_BODY_TIMEOUT = 24 * 60 * 60


def _results_body(request, survey, result, comparison) -> str:
    """The results body for these figures: kept under `_results_body_key`, else rendered and kept."""
    result = res.relabelled(result)
    actions = res.actions_on(survey)
    key = _results_body_key(request, survey, result, comparison, actions)
    html = cache.get(key)
    if html is None:
        context = _results_context(request, survey, (result, comparison), actions)
        context["between_html"] = mark_safe(BETWEEN_SLOT)  # noqa: S308 (a constant)
        html = render_to_string("surveys/_results_body.html", context, request=request)
        cache.set(key, html, RESULTS_BODY_TIMEOUT)
    return html


def results_body_warm(survey, figures) -> None:
    """Render and keep the body of a closed survey's results page (no breakdown asked, the
    active language) from figures just computed, as the first visit would (results.figures_warm
    calls this). The body shows nothing of who asks for it, so a bare GET request renders it."""
    request = HttpRequest()
    request.method = "GET"
    _results_body(request, survey, *figures)


def _results_body_key(request, survey, result, comparison, actions) -> str:
    """The cache key of the results body: everything the body shows, hashed."""

    def wave(s):
        return None if s is None else (s.pk, s.title, s.opens_at.isoformat(), s.closes_at.isoformat(), s.kind, s.wave)

    def shown(a):
        measure = a.measure.text if a.measure_id else ""
        return (a.pk, a.survey_id, a.factor, a.kind, a.text, a.status, str(a.due_date), a.owner.name, measure)

    earlier, own = actions
    content = (
        get_language(),
        request.GET.urlencode(),
        result.stamp,
        wave(survey),
        result.segment_values,
        wave(comparison.before),
        wave(comparison.after),
        sorted((factor, [shown(a) for a in items]) for part in (earlier, own) for factor, items in part.items()),
    )
    return f"surveys:results-body:{survey.pk}:{hashlib.sha256(repr(content).encode()).hexdigest()[:32]}"


def _segment_asked(request):
    filt = ResultsFilterForm(request.GET or None)
    segment = filters(filt).get("segment") or None
    value = request.GET.get("value")
    if segment == "level" and value and not value.isdigit():
        raise BadRequest("a leader level is a number")
    return segment, value


def _fmt(mean):
    return "" if mean is None else formats.number_format(mean, 2)


@login_required
@require_GET
def survey_results_csv(request, pk: int):
    """The same figures as the page, suppressed the same way (one code path: results.py)."""
    survey = selectors.survey_for(request.user, pk)
    ctx = _results_context(request, survey)
    result = ctx["result"]
    header = [
        _("Level"),
        _("Key"),
        _("Text"),
        _("Breakdown"),
        _("Group"),
        _("Respondents"),
        _("Average"),
        *[str(v) for v in ctx["scale"]],
        _("Hidden (too few answers)"),
    ]
    yes, no, blank = _("yes"), _("no"), [""] * len(ctx["scale"])
    rows = []
    if not result.available:
        rows.append([_("Survey"), "", survey.title, "", "", "", "", *blank, yes])
    else:

        def cells_of(row):
            yield "", "", row.overall
            for key, label, _visible in result.segment_values:
                if result.selected_value is not None and key != result.selected_value:
                    continue
                yield result.segment or "", label, row.cells.get(key) or res.Cell(suppressed=True)

        for level, level_rows in ((_("Dimension"), result.dimensions), (_("Question"), result.questions)):
            for row in level_rows:
                for seg, label, cell in cells_of(row):
                    if result.selected_hidden and seg:
                        cell = res.Cell(suppressed=True)
                    if cell.suppressed:
                        rows.append([level, row.key, row.label, seg, label, "", "", *blank, yes])
                    else:
                        dist = [cell.distribution.get(v, 0) for v in ctx["scale"]]
                        rows.append([level, row.key, row.label, seg, label, cell.n, _fmt(cell.mean), *dist, no])
    return sheet_response(
        Sheet(_("Results"), header, rows),
        "csv",
        dates.filename(survey.title, pgettext("file name", "results"), suffix=""),
    )


# --- HR: questionnaires ------------------------------------------------------------


@login_required
@require_GET
def questionnaire_list(request):
    require_hr(request.user)
    rows = []
    for q in selectors.questionnaires_with_counts():
        rows.append((q, _estimate(["likert"] * q.likert_count + ["free_text"] * q.free_text_count)))
    return render(request, "surveys/questionnaire_list.html", {"rows": rows})


def _initial_questions(questionnaire):
    return [
        {
            "text": q.text,
            "kind": q.kind,
            "dimension": q.dimension,
            "low_label": q.low_label,
            "high_label": q.high_label,
            "required": q.required,
        }
        for q in questionnaire.questions.order_by("order")
    ]


@login_required
@require_http_methods(["GET", "POST"])
def questionnaire_detail(request, pk: int):
    """Read a questionnaire; edit it (all questions on one page) while it has no answers."""
    questionnaire = selectors.questionnaire_for(request.user, pk)
    frozen = questionnaire.is_frozen
    form = QuestionnaireForm(
        request.POST or None, initial={"name": questionnaire.name, "description": questionnaire.description}
    )
    formset = QuestionFormSet(request.POST or None, initial=_initial_questions(questionnaire), prefix="q")
    if request.method == "POST":
        if frozen:
            messages.error(request, _("This questionnaire has answers and can no longer be changed. Make a copy."))
            return redirect("surveys:questionnaire_detail", questionnaire.pk)
        if form.is_valid() and formset.is_valid():
            kept = [f.cleaned_data for f in formset.forms if f.cleaned_data and not f.cleaned_data.get("DELETE", False)]
            try:
                services.questionnaire_save(
                    questionnaire=questionnaire,
                    name=form.cleaned_data["name"],
                    description=form.cleaned_data["description"],
                    questions=kept,
                    by=request.user,
                )
            except ValidationError as exc:
                form_error(form, exc)
            else:
                est = _estimate(q["kind"] for q in kept)
                messages.success(request, _("The questionnaire was saved."))
                if est["too_long"]:
                    messages.warning(request, qmod.TOO_LONG_WARNING % {"minutes": est["minutes"]})
                return redirect("surveys:questionnaire_detail", questionnaire.pk)
    questions = list(questionnaire.questions.order_by("order"))
    return render(
        request,
        "surveys/questionnaire_detail.html",
        {
            "questionnaire": questionnaire,
            "questions": questions,
            "frozen": frozen,
            "form": form,
            "formset": formset,
            "estimate": _estimate(q.kind for q in questions),
        },
    )


@login_required
@require_POST
def questionnaire_copy(request, pk: int):
    questionnaire = selectors.questionnaire_for(request.user, pk)
    copy = services.questionnaire_copy(questionnaire=questionnaire, by=request.user)
    messages.success(request, _("A new version (%(v)s) was made. You can edit it.") % {"v": copy.version})
    return redirect("surveys:questionnaire_detail", copy.pk)


# --- HR: actions from results ----------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def action_create(request, pk: int, factor: str):
    """From a factor's figure: a commitment between leaders or an update to a measure. The
    page shows the figure as the results do (hidden under k), never more."""
    survey = selectors.survey_for(request.user, pk)
    return _action_page(request, survey, factor, back=reverse("surveys:survey_results", args=[survey.pk]))


def _action_page(request, survey, factor: str, *, back: str, group=None):
    """HR's and a group facilitator's action page: one form, one service, one rule for the figure."""
    if factor not in set(survey.questionnaire.questions.likert().values_list("dimension", flat=True)):
        raise Http404("the survey does not measure this factor")
    form = ActionForm(request.POST or None, programme=survey.programme, group=group)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.action_create(
                survey=survey,
                factor=factor,
                kind=data["kind"],
                text=data["text"],
                owner=data["owner"],
                due_date=data["due_date"],
                parties=data["parties"],
                measure=data["measure"],
                by=request.user,
            )
        except ValidationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("The action was made. It is shown with the factor in the next wave."))
            return redirect(back)
    return render(
        request,
        "surveys/action_form.html",
        {
            "survey": survey,
            "back": back,
            "group": group,
            "factor": factor,
            "factor_label": dimension_label(factor),
            "figure": res.factor_figure(survey, factor),
            "form": form,
            "k": res.min_respondents(),
        },
        status=400 if form.is_bound and form.errors else 200,
    )


# --- a group's facilitator: the group's own surveys and actions from their figures ----------


@login_required
@require_GET
def group_surveys(request, group_pk: int):
    """The surveys made for a group, for its named facilitator (a 404 for anyone else)."""
    group = selectors.facilitated_group_for(request.user, group_pk)
    return render(
        request,
        "surveys/group_surveys.html",
        {"group": group, "surveys": list(selectors.group_surveys(group)), "k": res.min_respondents()},
    )


@login_required
@require_GET
def group_survey_results(request, group_pk: int, pk: int):
    """One of the group's surveys for its facilitator: each factor's figure for the whole
    group only (no breakdown, no items), hidden under k as everywhere, with the actions taken
    on it since the group's earlier waves and those made from it."""
    survey = selectors.group_survey_for(request.user, group_pk, pk)
    result = res.survey_results(survey)
    earlier, own = res.actions_on(survey)
    rows = [(r, earlier.get(r.key, []), own.get(r.key, [])) for r in result.dimensions]
    return render(
        request,
        "surveys/group_results.html",
        {
            "group": survey.group,
            "survey": survey,
            "result": result,
            "factor_rows": rows,
            "any_actions": bool(earlier or own),
            "k": res.min_respondents(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def group_action_create(request, group_pk: int, pk: int, factor: str):
    """The facilitator turns one of the group's factor figures into an action for the group."""
    survey = selectors.group_survey_for(request.user, group_pk, pk)
    back = reverse("surveys:group_survey_results", args=[survey.group.pk, survey.pk])
    return _action_page(request, survey, factor, back=back, group=survey.group)


@login_required
@require_POST
def action_status(request, pk: int):
    """The owner (on their dashboard) or HR marks an action done, dropped or planned again."""
    action = selectors.action_for(request.user, pk)
    form = ActionStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a status."))
    else:
        try:
            services.action_update_status(action=action, status=form.cleaned_data["status"], by=request.user)
        except ValidationError as exc:
            messages.error(request, exc.messages[0])
        else:
            messages.success(request, _("The action was updated."))
    if is_hr(request.user):
        return redirect("surveys:survey_results", action.survey_id)
    return redirect("dashboard")


# --- HR: organisations' own 10-FAKTOR figures --------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def factor_scores(request):
    """The imported 10-FAKTOR figures per organisation and year, and the import itself."""
    require_hr(request.user)
    form = FactorScoresImportForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                n = services.factor_scores_import(file=form.cleaned_data["file"], by=request.user)
            except ValidationError as exc:
                form_error(form, exc)
            else:
                messages.success(request, _("%(n)s lines were imported.") % {"n": n})
                return redirect("surveys:factor_scores")
        status = 400
    return render(
        request,
        "surveys/factor_scores.html",
        {
            "form": form,
            "page": paginate(request, selectors.factor_scores_by_organisation()),
            "k": res.min_respondents(),
        },
        status=status,
    )
