"""Open311 GeoReport v2 seen from the core: services, filing a request, public views of requests.

A POSTed request is a citizen report that arrived through another system (a city's 1022 portal, a
province's app). It takes the chat's road on purpose: the same NLU reading of the text
(`dialogue.analyse_draft`), the same routing, deadlines, clustering and tracking code
(`cases.open_case`), in one transaction. The client's `service_code` is the reporter's own choice of
body, kept like a citizen's button press. Nothing is said back through a channel: the answer is
the HTTP response, and the unit's progress flows back in GET.

GET shows requests filed through Open311 and chat cases whose citizens agreed to make their progress
public (`publication`), and never their text, contact or exact position:
the public sees code, body, commune and province, dates, status and the unit's published result
(masked like everything shown to people without the right to see personal data).
"""
from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select

from handlers import dialogue
from handlers.cases import open_case
from handlers.core import Core
from handlers.deadlines import format_local
from handlers.privacy import mask_personal
from handlers.texts import CONSENT_VERSION, render
from handlers.tracking import parse_code
from handlers.turn import Turn
from handlers.types import Inbound, InboundKind
from nlu import LABELS
from storage import Case, CaseStatus, Citizen, Conversation, Direction, Message

CHANNEL = "open311"
MAX_DESCRIPTION = 4000          # the spec's limit
MAX_WINDOW = timedelta(days=90)  # the spec: a date range may not span more than 90 days
MAX_RESULTS = 1000


class Open311Error(Exception):
    """A refusal the client must see in the spec's error format: HTTP status and catalogue key."""

    def __init__(self, status: int, key: str, **params: str) -> None:
        super().__init__(key)
        self.status, self.key, self.params = status, key, params


@dataclass(frozen=True, slots=True)
class Service:
    code: str
    name: str
    description: str


@dataclass(frozen=True, slots=True)
class NewRequest:
    """What a POST carries, already parsed; `client` names the API key without storing it."""

    client: str
    service_code: str
    description: str
    lat: float | None = None
    long: float | None = None
    address_string: str | None = None
    phone: str | None = None
    first_name: str | None = None
    last_name: str | None = None


@dataclass(frozen=True, slots=True)
class Filed:
    code: str
    notice: str


@dataclass(frozen=True, slots=True)
class PublicRequest:
    """One request as the public may see it: no text, contact or position."""

    code: str
    status: str               # "open" or "closed", the spec's two
    status_notes: str | None
    service_code: str
    service_name: str
    agency: str
    notice: str
    address: str | None
    requested: datetime
    updated: datetime
    expected: datetime


@dataclass(frozen=True, slots=True)
class RequestQuery:
    codes: tuple[str, ...] = ()
    service_codes: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    start: datetime | None = None
    end: datetime | None = None


def client_id(api_key: str) -> str:
    """Which client filed a request, kept as a short hash so the key itself is never stored."""
    return hashlib.sha256(api_key.encode()).hexdigest()[:12]


def services(core: Core, language: str = "vi") -> list[Service]:
    """One service per body; its name is the domain's name citizens see in the chat."""
    return [Service(label, render(f"domain.{label}", language), core.config.organisations[label].name)
            for label in LABELS]


def service(core: Core, code: str, language: str = "vi") -> Service:
    for item in services(core, language):
        if item.code == code:
            return item
    raise Open311Error(404, "open311.error.service", code=code)


def _check(request: NewRequest) -> None:
    if request.service_code not in LABELS:
        raise Open311Error(404, "open311.error.service", code=request.service_code)
    if not request.description.strip():
        raise Open311Error(400, "open311.error.description")
    if len(request.description) > MAX_DESCRIPTION:
        raise Open311Error(400, "open311.error.too_long", limit=str(MAX_DESCRIPTION))
    has_point = request.lat is not None and request.long is not None
    if not has_point and not (request.address_string or "").strip():
        raise Open311Error(400, "open311.error.location")
    if has_point and not (-90 <= (request.lat or 0) <= 90 and -180 <= (request.long or 0) <= 180):
        raise Open311Error(400, "open311.error.location")


async def file_request(core: Core, request: NewRequest) -> Filed:
    """File a POSTed request as a case: the chat's NLU reading, routing, deadline and code."""
    _check(request)
    now = core.clock()
    text = "\n".join(part.strip() for part in (request.description, request.address_string or "") if part.strip())
    ref = f"{request.client}:{uuid.uuid4().hex[:20]}"
    name = " ".join(p for p in (request.first_name, request.last_name) if p) or None
    async with core.db.transaction() as session:
        citizen = Citizen(channel=CHANNEL, external_id=ref, display_name=name, language="vi",
                          consent_at=now, consent_version=f"{CHANNEL}:{CONSENT_VERSION}")
        session.add(citizen)
        await session.flush()
        conversation = Conversation(channel=CHANNEL, chat_id=ref, citizen_id=citizen.id, state=dialogue.IDLE,
                                    draft={})
        session.add(conversation)
        await session.flush()
        message = Message(conversation_id=conversation.id, channel=CHANNEL, direction=Direction.IN,
                          author=f"citizen:{citizen.id}", kind="text", text=text, created_at=now)
        session.add(message)
        await session.flush()
        inbound = Inbound(channel=CHANNEL, chat_id=ref, user_id=ref, kind=InboundKind.TEXT, text=text, at=now)
        turn = Turn(core, session, inbound, conversation, citizen, message)
        phone = dialogue.normalise_phone(request.phone or "")
        turn.set_draft(description=text, first_message_id=message.id, domain=request.service_code,
                       domain_by="citizen", contact="phone" if phone else "anonymous", phone=phone)
        if (await turn.analyse(request.description)).intent != "report":
            raise Open311Error(400, "open311.error.not_report")   # a greeting or an insult files nothing, as in the chat
        if request.address_string:
            await _place_from_address(turn, request.address_string)
        await dialogue.analyse_draft(turn)
        if request.lat is not None and request.long is not None:
            await _place_from_point(turn, request.lat, request.long)
        case = await open_case(turn)
        turn.replies.clear()   # the HTTP response is the answer; nothing goes to a chat
        conversation.state = dialogue.IDLE
        return Filed(case.code, render("open311.notice", "vi", {
            "unit": case.unit.name, "deadline": format_local(case.resolve_deadline, core.config, "vi")}))


async def _place_from_address(turn: Turn, address: str) -> None:
    """The address the client gave is read first, on its own (the text may name other places)."""
    place = await turn.core.nlu.locate(address)
    if place.province:
        turn.set_draft(province=place.province, old_province=place.old_province, commune=place.commune)


async def _place_from_point(turn: Turn, lat: float, long: float) -> None:
    """A position given by the client wins over a place read from the text, as in the chat."""
    place = await turn.core.nlu.locate_point(lat, long)
    if place is not None and place.province is not None:
        turn.set_draft(latitude=lat, longitude=long, province=place.province, commune=place.commune,
                       old_province=None)
    else:
        turn.set_draft(latitude=lat, longitude=long)


def _public(core: Core, case: Case, language: str) -> PublicRequest:
    closed = not case.status.is_open
    notes = mask_personal(case.result) if case.result else None
    if case.status is CaseStatus.CANCELLED:
        notes = render("status.cancelled", language)
    place = ", ".join(p for p in (case.commune, case.province) if p) or None
    return PublicRequest(
        code=case.code, status="closed" if closed else "open", status_notes=notes, service_code=case.domain,
        service_name=render(f"domain.{case.domain}", language), agency=case.unit.name,
        notice=render("open311.notice", language, {
            "unit": case.unit.name, "deadline": format_local(case.resolve_deadline, core.config, language)}),
        address=place, requested=case.created_at, updated=case.resolved_at if closed and case.resolved_at
        else case.updated_at, expected=case.resolve_deadline)


def _window(query: RequestQuery, now: datetime) -> tuple[datetime, datetime]:
    """The spec's date filter: at most 90 days; without dates, the most recent 90."""
    end = query.end or (query.start + MAX_WINDOW if query.start else now)
    start = query.start or end - MAX_WINDOW
    if start > end:
        raise Open311Error(400, "open311.error.dates")
    if end - start > MAX_WINDOW:
        raise Open311Error(400, "open311.error.window")
    return start, end


async def find_requests(core: Core, query: RequestQuery, language: str = "vi") -> list[PublicRequest]:
    """GET requests: a list of ids overrides every other filter, as the spec says."""
    stmt = select(Case).where(or_(Case.channel == CHANNEL, Case.public_since.is_not(None)))
    if query.codes:
        stmt = stmt.where(Case.code.in_([c.upper() for c in query.codes]))
    else:
        start, end = _window(query, core.clock())
        stmt = stmt.where(Case.created_at >= start, Case.created_at <= end)
        if query.service_codes:
            stmt = stmt.where(Case.domain.in_(query.service_codes))
        if query.statuses:
            stmt = stmt.where(Case.status.in_(_statuses(query.statuses)))
    stmt = stmt.order_by(Case.created_at.desc(), Case.id.desc()).limit(MAX_RESULTS)
    async with core.db.sessions() as session:
        cases: Sequence[Case] = (await session.scalars(stmt)).all()
        return [_public(core, case, language) for case in cases]


def _statuses(wanted: tuple[str, ...]) -> list[CaseStatus]:
    chosen: list[CaseStatus] = []
    for name in wanted:
        if name not in ("open", "closed"):
            raise Open311Error(400, "open311.error.status", value=name)
        chosen += [s for s in CaseStatus if s.is_open == (name == "open")]
    return chosen


async def get_request(core: Core, code: str, language: str = "vi") -> PublicRequest:
    parsed = parse_code(code)
    found = await find_requests(core, RequestQuery(codes=(parsed,)), language) if parsed else []
    if not found:
        raise Open311Error(404, "open311.error.request", code=code)
    return found[0]
