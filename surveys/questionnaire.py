"""The default questionnaire ("Samhandling og faktorer i toppledelsen") and completion-time estimates.

Written for this programme (never KS's own items): two Likert items for each of the four
collaboration dimensions and each of the ten factors of 10-FAKTOR (reference.yaml), so a
factor's figure is the mean of its items and its internal consistency can be checked
(Cronbach's α, surveys/results.py). Twenty-eight items and one optional free-text
question: about five minutes by the estimate below, within the programme's promise.

The earlier questionnaire (series "samhandling", one item per dimension) stays as it was:
its surveys keep comparing with each other; the factor questionnaire is its own series.

The time estimate: a stand-alone question takes about ten seconds on the web (Pew Research
Center's question-counting rules for its online panel), but a statement in a run of
statements on the same agree scale is quicker, since the scale is read once (market
researchers count ten or more such rows a minute). Eight seconds per scale item sits between
the two; a free-text answer is a minute.
"""

from django.utils.translation import gettext_lazy as _

SECONDS_PER_LIKERT = 8
SECONDS_PER_FREE_TEXT = 60
MAX_SECONDS = 5 * 60
MAX_LIKERT_ITEMS = 30

DEFAULT_SERIES = "faktorer"
DEFAULT_NAME = "Samhandling og faktorer i toppledelsen"
AGREE_LOW = "Helt uenig"
AGREE_HIGH = "Helt enig"

# (dimension or factor key, item text), grouped by what they measure. Keys come from
# reference.yaml (collaboration_dimensions, ten_factors).
DEFAULT_LIKERT_ITEMS = [
    ("within_org", "I ledergruppen min deler vi informasjon åpent og i tide."),
    ("within_org", "Avdelingene i virksomheten min samarbeider godt når en oppgave krever det."),
    ("across_orgs", "Jeg vet hvem jeg skal kontakte i andre virksomheter når en sak krever samarbeid."),
    ("across_orgs", "Jeg samarbeider jevnlig med toppledere i andre virksomheter om felles utfordringer."),
    ("with_citizens", "Vi involverer innbyggere og brukere når vi utvikler tjenestene våre."),
    ("with_citizens", "Vi samarbeider godt med frivillige, næringsliv og andre partnere i nærmiljøet."),
    ("trust", "Jeg har tillit til at ledere i andre virksomheter holder det de lover."),
    ("trust", "Jeg kan ta opp uenighet med ledere i andre virksomheter uten at det skader samarbeidet."),
    ("role_clarity", "Jeg vet hva som forventes av meg som toppleder i Oslo kommune."),
    ("role_clarity", "Ansvarsdelingen mellom virksomheten min og byrådsavdelingen er tydelig for meg."),
    ("autonomy", "Jeg har handlingsrom til å finne gode løsninger uten detaljstyring."),
    ("autonomy", "Jeg kan prioritere ressursene i virksomheten min der behovet er størst."),
    ("flexibility", "Jeg er villig til å endre egne arbeidsmåter når samarbeidet krever det."),
    ("flexibility", "Jeg tar på meg oppgaver utenfor eget ansvarsområde når det tjener byen."),
    ("intrinsic_motivation", "Arbeidet mitt som toppleder er meningsfylt i seg selv."),
    ("intrinsic_motivation", "Utfordringene i lederjobben min gir meg energi."),
    ("mastery_climate", "I ledergruppen min lærer vi av feil i stedet for å lete etter syndebukker."),
    ("mastery_climate", "Det er rom for å prøve nye løsninger hos oss, også når noen ikke lykkes."),
    ("mastery_leadership", "Jeg gir medarbeiderne mine tydelige tilbakemeldinger og støtte til å mestre oppgavene."),
    ("mastery_leadership", "Min egen leder hjelper meg å vokse i rollen som toppleder."),
    ("prosocial_motivation", "Det betyr mye for meg at arbeidet mitt gjør hverdagen bedre for innbyggerne."),
    ("prosocial_motivation", "Jeg motiveres av at virksomheten min bidrar til byen som helhet."),
    ("use_of_competence", "Kompetansen i virksomheten min blir brukt godt, også på tvers av virksomheter."),
    ("use_of_competence", "Min egen erfaring blir brukt der den gjør størst nytte i kommunen."),
    ("self_efficacy", "Jeg har tro på at jeg kan lede virksomheten min gjennom store endringer."),
    ("self_efficacy", "Når samarbeid på tvers møter motstand, finner jeg som regel en vei videre."),
    ("competence_development", "Utviklingstilbudet for toppledere er relevant for jobben jeg gjør."),
    ("competence_development", "Det jeg lærer i programmet, tar jeg i bruk i egen virksomhet."),
]
DEFAULT_FREE_TEXT = [
    # No "(valgfritt)" in the text: the page marks every question that is not required.
    "Hva er det viktigste som kunne styrket samhandlingen mellom virksomhetene?",
]


def _questions(likert_items, free_texts) -> list[dict]:
    out = []
    for dimension, text in likert_items:
        out.append(
            {
                "kind": "likert",
                "text": text,
                "dimension": dimension,
                "low_label": AGREE_LOW,
                "high_label": AGREE_HIGH,
                "required": True,
            }
        )
    for text in free_texts:
        out.append(
            {"kind": "free_text", "text": text, "dimension": "", "low_label": "", "high_label": "", "required": False}
        )
    for i, q in enumerate(out, start=1):
        q["order"] = i
    return out


def default_questions() -> list[dict]:
    """The default items as plain dicts, in order (what `questions_replace` takes)."""
    return _questions(DEFAULT_LIKERT_ITEMS, DEFAULT_FREE_TEXT)


# The earlier default (one item per dimension, sixteen items), loaded by migration 0002 on
# installations made before the factor questionnaire; kept word for word.
LEGACY_SERIES = "samhandling"
LEGACY_NAME = "Samhandling i toppledelsen"
LEGACY_LIKERT_ITEMS = [
    ("within_org", "I ledergruppen min deler vi informasjon åpent og i tide."),
    ("within_org", "Avdelingene i virksomheten min samarbeider godt når en oppgave krever det."),
    ("across_orgs", "Jeg vet hvem jeg skal kontakte i andre virksomheter når en sak krever samarbeid."),
    ("across_orgs", "Jeg samarbeider jevnlig med toppledere i andre virksomheter om felles utfordringer."),
    ("across_orgs", "Når vi samarbeider på tvers, veier felles mål tyngre enn egne budsjett- og ansvarsgrenser."),
    ("with_citizens", "Vi involverer innbyggere og brukere når vi utvikler tjenestene våre."),
    ("with_citizens", "Vi samarbeider godt med frivillige, næringsliv og andre partnere i nærmiljøet."),
    ("trust", "Jeg har tillit til at ledere i andre virksomheter holder det de lover."),
    ("trust", "Jeg kan ta opp uenighet med ledere i andre virksomheter uten at det skader samarbeidet."),
    ("role_clarity", "Jeg vet hva som forventes av meg som toppleder i Oslo kommune."),
    ("autonomy", "Jeg har handlingsrom til å finne gode løsninger uten detaljstyring."),
    ("mastery_leadership", "Jeg gir medarbeiderne mine tydelige tilbakemeldinger og støtte til å mestre oppgavene."),
    ("use_of_competence", "Kompetansen i virksomheten min blir brukt godt, også på tvers av virksomheter."),
    ("competence_development", "Utviklingstilbudet for toppledere er relevant for jobben jeg gjør."),
    ("flexibility", "Jeg er villig til å endre egne arbeidsmåter når samarbeidet krever det."),
    ("self_efficacy", "Jeg har tro på at jeg kan lede virksomheten min gjennom store endringer."),
]


def legacy_questions() -> list[dict]:
    return _questions(LEGACY_LIKERT_ITEMS, DEFAULT_FREE_TEXT)


def estimated_seconds(kinds) -> int:
    """Estimated completion time for question kinds ("likert" / "free_text")."""
    total = 0
    for kind in kinds:
        total += SECONDS_PER_FREE_TEXT if kind == "free_text" else SECONDS_PER_LIKERT
    return total


def estimated_minutes(seconds: int) -> int:
    """Rounded to whole minutes (half up), at least one: what the leader is told."""
    return max(1, (seconds + 30) // 60)


def too_long(seconds: int) -> bool:
    return seconds > MAX_SECONDS


TOO_LONG_WARNING = _(
    "This questionnaire takes about %(minutes)s minutes. The programme promises leaders surveys under five minutes: "
    "consider removing questions."
)
