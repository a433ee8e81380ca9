"""Settings read once from the environment; every business number of the domain notes lives here."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.lower() in {"1", "true", "yes", "on"}


def _current_campaign_year() -> int:
    # The July rent of year N is declared from July of year N; before July the open campaign is N-1.
    today = date.today()
    return today.year if today.month >= 7 else today.year - 1


# argon2's production cost (~0.16 s per hash on 2 cores); the test suite lowers it.
ARGON2_TIME_COST = 3
ARGON2_MEMORY_KIB = 65_536


class TrustedDocumentsMode(StrEnum):
    OFF = "off"  # documentId refused: only free documents
    ALLOW = "allow"  # both
    REQUIRED = "required"  # only registered documents (the console excepted while GRAPHIQL is on)


@dataclass(frozen=True)
class Settings:
    database_url: str = field(
        default_factory=lambda: os.environ.get("DATABASE_URL", "sqlite://var/db.sqlite3")
    )
    smtp_url: str | None = field(default_factory=lambda: os.environ.get("SMTP_URL") or None)
    # Letters for the mail room (post/), and e-mail when there is no SMTP_URL (mail/).
    spool_dir: str = field(default_factory=lambda: os.environ.get("SPOOL_DIR", "var"))
    mail_from: str = field(
        default_factory=lambda: os.environ.get(
            "MAIL_FROM", "Offre Bailleurs <ne-pas-repondre@caf.fr>"
        )
    )
    secret: str = field(
        default_factory=lambda: os.environ.get("BAILLEURS_SECRET") or secrets.token_urlsafe(32)
    )
    introspection: bool = field(default_factory=lambda: _bool("GRAPHQL_INTROSPECTION", True))
    graphiql: bool = field(default_factory=lambda: _bool("GRAPHIQL", True))
    # OpenTelemetry traces when an OTLP endpoint is set (bailleurs.tracing; standard OTEL_* vars).
    tracing: bool = field(default_factory=lambda: bool(
        os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
        or os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
    ))
    # GET /metrics exists only with a token, and answers only `Authorization: Bearer <token>`.
    metrics_token: str | None = field(
        default_factory=lambda: os.environ.get("METRICS_TOKEN") or None
    )
    # off | allow | required (bailleurs.trusted_documents); required refuses free documents.
    trusted_documents: TrustedDocumentsMode = field(
        default_factory=lambda: TrustedDocumentsMode(
            os.environ.get("TRUSTED_DOCUMENTS", "allow").lower()
        )
    )
    cors_origins: tuple[str, ...] = field(
        default_factory=lambda: tuple(
            o.strip() for o in os.environ.get("CORS_ORIGINS", "").split(",") if o.strip()
        )
    )
    cookie_secure: bool = field(default_factory=lambda: _bool("COOKIE_SECURE", True))
    max_body_bytes: int = field(default_factory=lambda: _int("MAX_BODY_BYTES", 100_000))
    max_depth: int = field(default_factory=lambda: _int("GRAPHQL_MAX_DEPTH", 10))
    max_tokens: int = field(default_factory=lambda: _int("GRAPHQL_MAX_TOKENS", 2_000))
    max_aliases: int = field(default_factory=lambda: _int("GRAPHQL_MAX_ALIASES", 30))
    max_batch: int = field(default_factory=lambda: _int("GRAPHQL_MAX_BATCH", 10))
    max_page_size: int = field(default_factory=lambda: _int("MAX_PAGE_SIZE", 100))
    # A whole request's cost, batch included (schema.request_cost: a field is 1, lists multiply).
    max_cost: int = field(default_factory=lambda: _int("GRAPHQL_MAX_COST", 10_000))
    # Sessions
    session_idle_minutes: int = field(default_factory=lambda: _int("SESSION_IDLE_MINUTES", 30))
    session_absolute_hours: int = field(default_factory=lambda: _int("SESSION_ABSOLUTE_HOURS", 12))
    # Passwords and brute force
    password_min_length: int = field(default_factory=lambda: _int("PASSWORD_MIN_LENGTH", 12))
    provisional_password_hours: int = field(
        default_factory=lambda: _int("PROVISIONAL_PASSWORD_HOURS", 24)
    )
    lockout_threshold: int = field(default_factory=lambda: _int("LOCKOUT_THRESHOLD", 5))
    lockout_minutes: int = field(default_factory=lambda: _int("LOCKOUT_MINUTES", 15))
    # Each new lock doubles the previous one, up to this.
    lockout_max_minutes: int = field(default_factory=lambda: _int("LOCKOUT_MAX_MINUTES", 24 * 60))
    ip_attempts_per_minute: int = field(default_factory=lambda: _int("IP_ATTEMPTS_PER_MINUTE", 30))
    reset_requests_per_hour: int = field(
        default_factory=lambda: _int("RESET_REQUESTS_PER_HOUR", 5)
    )
    # Lost identifier / forgotten password requests from one IP address.
    reset_requests_per_ip_hour: int = field(
        default_factory=lambda: _int("RESET_REQUESTS_PER_IP_HOUR", 30)
    )
    argon2_time_cost: int = field(
        default_factory=lambda: _int("ARGON2_TIME_COST", ARGON2_TIME_COST)
    )
    argon2_memory_kib: int = field(
        default_factory=lambda: _int("ARGON2_MEMORY_KIB", ARGON2_MEMORY_KIB)
    )
    # Rent campaign and domain rules
    campaign_year: int = field(
        default_factory=lambda: _int("CAMPAIGN_YEAR", _current_campaign_year())
    )
    campaign_month: int = field(default_factory=lambda: _int("CAMPAIGN_MONTH", 7))
    rent_min_cents: int = field(default_factory=lambda: _int("RENT_MIN_CENTS", 5_000))
    rent_max_cents: int = field(default_factory=lambda: _int("RENT_MAX_CENTS", 300_000))
    # Unpaid rent is constituted at this many months of the tenant's share (CCH R824-1).
    unpaid_threshold_months: int = field(default_factory=lambda: _int("UNPAID_THRESHOLD_MONTHS", 2))
    non_decency_hold_months: int = field(
        default_factory=lambda: _int("NON_DECENCY_HOLD_MONTHS", 18)
    )
    unpaid_report_months: int = field(default_factory=lambda: _int("UNPAID_REPORT_MONTHS", 2))
    max_co_tenants: int = field(default_factory=lambda: _int("MAX_CO_TENANTS", 20))
    departure_notice_days: int = field(default_factory=lambda: _int("DEPARTURE_NOTICE_DAYS", 31))
    # Repayment plan (plan d'apurement) after an unpaid-rent report: agreed within this many
    # months of the report; a debt at or under the small-debt amount gets the agency's own plan,
    # proposed within its months; a plan lasts at most the max months (the 1/36 fallback).
    repayment_plan_months: int = field(default_factory=lambda: _int("REPAYMENT_PLAN_MONTHS", 6))
    repayment_small_debt_cents: int = field(
        default_factory=lambda: _int("REPAYMENT_SMALL_DEBT_CENTS", 10_000)
    )
    repayment_agency_months: int = field(
        default_factory=lambda: _int("REPAYMENT_AGENCY_MONTHS", 1)
    )
    repayment_max_months: int = field(default_factory=lambda: _int("REPAYMENT_MAX_MONTHS", 36))
    # Reminders mailed this many days before a plan's deadline, and how often the job looks.
    repayment_reminder_days: tuple[int, ...] = field(
        default_factory=lambda: tuple(sorted(
            {int(d) for d in os.environ.get("REPAYMENT_REMINDER_DAYS", "30,7").split(",")
             if d.strip()}, reverse=True
        ))
    )
    repayment_reminder_poll_seconds: float = field(
        default_factory=lambda: float(os.environ.get("REPAYMENT_REMINDER_POLL_SECONDS", "3600"))
    )
    # Mail delivery
    mail_retry_base_seconds: float = field(
        default_factory=lambda: float(os.environ.get("MAIL_RETRY_BASE_SECONDS", "2"))
    )
    mail_poll_seconds: float = field(
        default_factory=lambda: float(os.environ.get("MAIL_POLL_SECONDS", "1"))
    )
    # PostgreSQL: bounded waits (a request fails cleanly while the database is away), pool size.
    db_connect_timeout_seconds: float = field(
        default_factory=lambda: float(os.environ.get("DB_CONNECT_TIMEOUT_SECONDS", "5"))
    )
    db_command_timeout_seconds: float = field(
        default_factory=lambda: float(os.environ.get("DB_COMMAND_TIMEOUT_SECONDS", "15"))
    )
    db_pool_size: int = field(default_factory=lambda: _int("DB_POOL_SIZE", 10))
    # How often the policy watcher checks its LISTEN connection (multi-process sync).
    watcher_ping_seconds: float = field(
        default_factory=lambda: float(os.environ.get("WATCHER_PING_SECONDS", "2"))
    )
    # Audit trail checkpoints: one every N events, signed with this key (HMAC-SHA256). Without a
    # key the checkpoints are plain chained digests: they still catch an edited event, but not a
    # rewrite of the whole trail. Never printed (repr=False).
    audit_checkpoint_key: str = field(
        default_factory=lambda: os.environ.get("AUDIT_CHECKPOINT_KEY", ""), repr=False
    )
    audit_checkpoint_every: int = field(
        default_factory=lambda: _int("AUDIT_CHECKPOINT_EVERY", 1_000)
    )
    # A full verification of a trail this long or longer checks spans of it in parallel processes
    # (one per CPU); below, one sequential walk costs less than starting them.
    audit_verify_parallel_from: int = field(
        default_factory=lambda: _int("AUDIT_VERIFY_PARALLEL_FROM", 50_000)
    )
    # Policy cache: number of organisations whose enforcer stays in memory.
    enforcer_cache_size: int = field(default_factory=lambda: _int("ENFORCER_CACHE_SIZE", 2_000))


def load() -> Settings:
    return Settings()
