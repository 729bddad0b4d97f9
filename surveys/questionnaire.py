"""The default questionnaire ("Samhandling i toppledelsen") and completion-time estimates.

Written for this programme, in the language of KS 10-FAKTOR: every Likert item measures
one of the four collaboration dimensions or one of the ten factors most relevant to top
leaders (reference.yaml). Sixteen items and one optional free-text question: about
four and a half minutes, under the programme's five-minute promise.
"""

from django.utils.translation import gettext_lazy as _

SECONDS_PER_LIKERT = 12
SECONDS_PER_FREE_TEXT = 60
MAX_SECONDS = 5 * 60
MAX_LIKERT_ITEMS = 20

DEFAULT_SERIES = "samhandling"
DEFAULT_NAME = "Samhandling i toppledelsen"
AGREE_LOW = "Helt uenig"
AGREE_HIGH = "Helt enig"

# (dimension key, item text). Dimension keys come from reference.yaml.
DEFAULT_LIKERT_ITEMS = [
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
DEFAULT_FREE_TEXT = [
    # No "(valgfritt)" in the text: the page marks every question that is not required.
    "Hva er det viktigste som kunne styrket samhandlingen mellom virksomhetene?",
]


def default_questions() -> list[dict]:
    """The default items as plain dicts, in order (what `questions_replace` takes)."""
    out = []
    for dimension, text in DEFAULT_LIKERT_ITEMS:
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
    for text in DEFAULT_FREE_TEXT:
        out.append(
            {"kind": "free_text", "text": text, "dimension": "", "low_label": "", "high_label": "", "required": False}
        )
    for i, q in enumerate(out, start=1):
        q["order"] = i
    return out


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
