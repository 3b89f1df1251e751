"""The platform-free core of Lắng Nghe: intake dialogue, routing, case lifecycle, staff actions.

Channel adapters (bot/) and the console (web/) use only what is listed in `__all__`.
"""
from handlers import staff_notices as _staff_notices  # noqa: F401  (registers the flush hook, issues 7/9)
from handlers.accounts import (
    PasswordCheckBusy,
    authenticate,
    change_password,
    create_staff,
    end_sessions,
    get_staff,
)
from handlers.chat_activity import last_inbound_at
from handlers.choices import command_alias, live_choices, match_choice
from handlers.cluster_views import ClusterView, cluster_of
from handlers.clusters import cluster_sizes, count_problems
from handlers.core import Core
from handlers.corrections import correction_examples, misroute_examples, to_rasa_yaml
from handlers.entities import place_entities
from handlers.errors import CaseNotFound, InvalidAction
from handlers.escalation import escalate_overdue
from handlers.intake import handle_inbound
from handlers.nlu_port import NluPort, load_built, load_or_train, province_names, run_nlu_cli
from handlers.outbox import (
    ChatLine,
    claim_pending,
    due_messages,
    first_in_line,
    load_outgoing,
    mark_failed,
    mark_retry,
    mark_sent,
    mark_sent_many,
    prune_sent,
    pull_chat,
    recent_sends,
    release,
)
from handlers.privacy import mask_contact, mask_personal, shown_text
from handlers.queries import CaseDetail, active_units, case_detail, cases_of_chat, inbox
from handlers.settings import AppConfig, Settings
from handlers.setup import DemoLogin, prepare_database, seed_demo_staff
from handlers.signals import OutboxSignal, Signal, Subscription
from handlers.staff_actions import (
    can_act,
    can_see_personal,
    do_accept_case,
    do_answer_cluster,
    do_reassign_case,
    do_reply_to_citizen,
    do_request_information,
    do_resolve_case,
)
from handlers.texts import render
from handlers.types import Button, Inbound, InboundKind, InboundResult, Outgoing

__all__ = [
    "AppConfig",
    "Button",
    "CaseDetail",
    "ChatLine",
    "ClusterView",
    "CaseNotFound",
    "DemoLogin",
    "Core",
    "Inbound",
    "InboundKind",
    "InboundResult",
    "InvalidAction",
    "NluPort",
    "OutboxSignal",
    "PasswordCheckBusy",
    "Outgoing",
    "Settings",
    "active_units",
    "authenticate",
    "can_act",
    "can_see_personal",
    "case_detail",
    "cases_of_chat",
    "change_password",
    "command_alias",
    "last_inbound_at",
    "live_choices",
    "match_choice",
    "claim_pending",
    "due_messages",
    "first_in_line",
    "load_outgoing",
    "Signal",
    "Subscription",
    "cluster_of",
    "cluster_sizes",
    "count_problems",
    "correction_examples",
    "create_staff",
    "do_accept_case",
    "do_answer_cluster",
    "do_reassign_case",
    "do_reply_to_citizen",
    "do_request_information",
    "do_resolve_case",
    "end_sessions",
    "escalate_overdue",
    "get_staff",
    "handle_inbound",
    "inbox",
    "load_built",
    "load_or_train",
    "mark_failed",
    "mask_contact",
    "mask_personal",
    "mark_retry",
    "mark_sent",
    "mark_sent_many",
    "misroute_examples",
    "place_entities",
    "prepare_database",
    "province_names",
    "prune_sent",
    "pull_chat",
    "recent_sends",
    "release",
    "render",
    "run_nlu_cli",
    "seed_demo_staff",
    "shown_text",
    "to_rasa_yaml",
]
