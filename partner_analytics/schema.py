"""The program's data model, defined once.

A *program* is a set of tables. Each table is described by a :class:`Table`
made of :class:`Column` specs; loading (``io.py``), validation
(``validate.py``), the sample generator and the README's data dictionary all
read these specs, so there is exactly one place to change the data model.

Column kinds
------------
``string``
    Free text, stored as pandas ``string`` dtype. Blank cells are missing.
``id``
    An identifier, always stored as text (``00123`` stays ``00123``).
``category``
    A lower-case code from a fixed or configurable set (``allowed``).
``date``
    A calendar date, ISO ``YYYY-MM-DD`` in text files, stored as
    ``datetime64`` at midnight.
``number``
    A float. ``minimum`` and ``maximum`` bound it where set.
``boolean``
    ``true/false``, ``yes/no`` or ``1/0`` in text files; nullable.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "Column",
    "Table",
    "TABLES",
    "REQUIRED_TABLES",
    "OPTIONAL_TABLES",
    "PARTNER_TYPES",
    "DEAL_STAGES",
    "ATTRIBUTIONS",
    "SURVEY_KINDS",
    "data_dictionary_markdown",
]

PARTNER_TYPES = ("reseller", "referral", "technology", "msp", "distributor")
"""Partner types the default ``params/`` configure; other types load with a warning."""

DEAL_STAGES = ("open", "won", "lost")
ATTRIBUTIONS = ("sourced", "influenced", "direct")
SURVEY_KINDS = ("psat", "partner_nps", "csat")

WHITESPACE = "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680" + "".join(map(chr, range(0x2000, 0x200b))) + \
    "\u2028\u2029\u202f\u205f\u3000"
"""Every character Python's ``str.strip()`` removes (``str.isspace``), for SQL ``TRIM`` to remove the same.

>>> WHITESPACE == "".join(c for c in map(chr, range(0x110000)) if c.isspace())
True
"""

_SPACES = "".join(f"\\x{ord(c):02x}" if ord(c) < 0x100 else c for c in WHITESPACE)  # in a regex, alike everywhere
EMAIL_PATTERN = rf"[^@{_SPACES}]+@[^@{_SPACES}]+\.[^@.{_SPACES}]+"
"""An ``email`` value: one address, ``name@domain.tld`` with no whitespace, a single ``@`` and no trailing dot.

One regular expression that Python's ``re``, DuckDB (RE2), Spark (Java) and PostgreSQL read alike: pandas
(``validate``) and the SQL checks (``engine.checks``) both run it on the value stripped of :data:`WHITESPACE`.

>>> import re
>>> [bool(re.fullmatch(EMAIL_PATTERN, a)) for a in ["a.b+c@mail.example.co.uk", "a@b", "a@b.", "a\tb@c.d", "a@@c.d"]]
[True, False, False, False, False]
"""

KINDS = ("string", "id", "category", "date", "number", "boolean", "email")


@dataclass(frozen=True)
class Column:
    """One column of a program table.

    Parameters
    ----------
    name
        Column name in the source file (snake_case).
    kind
        One of ``string``, ``id``, ``category``, ``date``, ``number``, ``boolean``, ``email`` (one address,
        ``name@domain.tld``, no spaces).
    description
        Plain-language meaning, shown in the README's data dictionary.
    required
        The column must exist in the source. Optional columns that are absent
        are added with every value missing.
    nullable
        Blank values are allowed.
    unique
        Values must not repeat (blank values excepted).
    allowed
        For ``category`` columns: the permitted lower-case values; ``None``
        means any non-blank code.
    minimum, maximum
        For ``number`` columns: inclusive bounds.
    """

    name: str
    kind: str
    description: str
    required: bool = True
    nullable: bool = False
    unique: bool = False
    allowed: tuple[str, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"column {self.name!r}: unknown kind {self.kind!r}")


@dataclass(frozen=True)
class Table:
    """One program table: its name, purpose and columns.

    Parameters
    ----------
    name
        Table name; also the source file stem (``deals.csv``).
    description
        What one row is.
    columns
        Column specs in the canonical order.
    optional
        The program may lack this table; metrics then report "not available".
    """

    name: str
    description: str
    columns: tuple[Column, ...]
    optional: bool = False

    @property
    def column_names(self) -> list[str]:
        """Canonical column order."""
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        """Return the spec of column ``name``."""
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"table {self.name!r} has no column {name!r}")


PARTNERS = Table(
    "partners",
    "One row per partner.",
    (
        Column("partner_id", "id", "Unique partner identifier (text; leading zeros kept).", unique=True),
        Column("partner_name", "string", "Display name."),
        Column(
            "partner_type",
            "category",
            "Partner type; selects the scorecard KPI set (default types: "
            + ", ".join(PARTNER_TYPES)
            + "; others load with a warning and use the default KPI set).",
        ),
        Column("tier", "category", "Current programme tier (e.g. gold).", required=False, nullable=True),
        Column("region", "string", "Sales region.", required=False, nullable=True),
        Column("country", "string", "Country.", required=False, nullable=True),
        Column("onboarded_on", "date", "Date the partner joined the programme."),
        Column("churned_on", "date", "Date the partner left; blank while active.", required=False, nullable=True),
        Column("contact_email", "email", "E-mail address the partner's report is sent to (reports/delivery.csv).",
               required=False, nullable=True),
    ),
)

DEALS = Table(
    "deals",
    "One row per deal (opportunity), partner or direct.",
    (
        Column("deal_id", "id", "Unique deal identifier.", unique=True),
        Column("partner_id", "id", "Partner on the deal; blank for a direct deal.", nullable=True),
        Column(
            "attribution",
            "category",
            "sourced (partner found it), influenced (partner helped) or direct (no partner).",
            allowed=ATTRIBUTIONS,
        ),
        Column("created_on", "date", "Date the deal was created."),
        Column("closed_on", "date", "Date the deal was won or lost; blank while open.", nullable=True),
        Column("stage", "category", "open, won or lost.", allowed=DEAL_STAGES),
        Column("amount", "number", "Deal value in the reporting currency (>= 0).", minimum=0),
        Column("product", "string", "Product or product line.", required=False, nullable=True),
        Column("customer_id", "id", "End customer identifier.", required=False, nullable=True),
        Column(
            "is_new_customer",
            "boolean",
            "True when the deal brings a new logo.",
            required=False,
            nullable=True,
        ),
    ),
)

TARGETS = Table(
    "targets",
    "One SMART target per partner, KPI and period.",
    (
        Column("partner_id", "id", "Partner the target belongs to."),
        Column(
            "kpi",
            "category",
            "KPI the target is set on: revenue, sourced_revenue, influenced_revenue, deals_won, "
            "new_customers, pipeline_created, or an engagement activity (e.g. certifications).",
        ),
        Column("period_start", "date", "First day of the target period."),
        Column("period_end", "date", "Last day of the target period (inclusive)."),
        Column("target", "number", "Target value in the KPI's unit (>= 0).", minimum=0),
    ),
    optional=True,
)

ENGAGEMENT = Table(
    "engagement",
    "Partner activity counts (from the PRM, LMS, marketing tools).",
    (
        Column("partner_id", "id", "Partner that was active."),
        Column("occurred_on", "date", "Date of the activity (or of the period it summarises)."),
        Column(
            "activity",
            "category",
            "prm_login, training_completed, certification, asset_download, qbr_attended, webinar, "
            "joint_campaign, program_enrolment, ... (any code).",
        ),
        Column("quantity", "number", "How many times (>= 0).", minimum=0),
    ),
    optional=True,
)

SURVEYS = Table(
    "surveys",
    "Survey responses: partner satisfaction (PSAT), partner NPS and end-customer CSAT.",
    (
        Column("partner_id", "id", "Partner the response is about."),
        Column("responded_on", "date", "Response date."),
        Column("survey", "category", "psat, partner_nps or csat.", allowed=SURVEY_KINDS),
        Column("score", "number", "Score given, between 0 and scale_max.", minimum=0),
        Column("scale_max", "number", "Top of the scale (10 for NPS, 5 for a 1-5 PSAT).", minimum=1),
        Column("deal_id", "id", "Deal the CSAT response refers to.", required=False, nullable=True),
        Column("comment", "string", "Free-text verbatim.", required=False, nullable=True),
    ),
    optional=True,
)

MDF = Table(
    "mdf",
    "Market development funds: one row per approved fund request.",
    (
        Column("partner_id", "id", "Partner that received the fund."),
        Column("fund_id", "id", "Unique fund request identifier.", unique=True),
        Column("approved_on", "date", "Approval date."),
        Column("amount_approved", "number", "Amount approved (>= 0).", minimum=0),
        Column("amount_claimed", "number", "Amount claimed / spent so far (>= 0).", minimum=0),
        Column(
            "attributed_revenue",
            "number",
            "Won revenue attributed to the funded activity (>= 0).",
            minimum=0,
        ),
    ),
    optional=True,
)

TABLES: dict[str, Table] = {t.name: t for t in (PARTNERS, DEALS, TARGETS, ENGAGEMENT, SURVEYS, MDF)}
"""Every program table by name, in load order."""

REQUIRED_TABLES = tuple(name for name, t in TABLES.items() if not t.optional)
OPTIONAL_TABLES = tuple(name for name, t in TABLES.items() if t.optional)


def data_dictionary_markdown() -> str:
    """Render the data model as the Markdown data dictionary used in the README.

    Returns
    -------
    str
        One ``###`` section per table with a column table. The README embeds
        this text verbatim and a test checks they agree.
    """
    parts: list[str] = []
    for table in TABLES.values():
        status = "optional" if table.optional else "required"
        parts.append(f"### `{table.name}` ({status})\n\n{table.description}\n")
        parts.append("| column | type | required | blank allowed | unique | meaning |")
        parts.append("|---|---|---|---|---|---|")
        for c in table.columns:
            kind = c.kind
            if c.allowed:
                kind += ": " + " / ".join(c.allowed)
            parts.append(
                f"| `{c.name}` | {kind} | {'yes' if c.required else 'no'} | "
                f"{'yes' if c.nullable else 'no'} | {'yes' if c.unique else 'no'} | {c.description} |"
            )
        parts.append("")
    return "\n".join(parts).rstrip() + "\n"
