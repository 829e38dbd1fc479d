"""One settings object for the whole product, read from GENOME_* variables.

It fails fast: a bad value stops the CLI or the app at start-up with a message
naming the variable, not halfway through an ingest.
"""

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from store.errors import InputError


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GENOME_", extra="ignore")

    db: Path = Field(Path("data/genome.duckdb"), description="DuckDB analytics store")
    phone_region: str = Field("US", description="region for phone numbers without +country code")
    identity_cap: int = Field(50, ge=2, description="most identifiers one customer may hold")
    meta_url: str | None = Field(
        None, description="SQLAlchemy URL of the metadata store (default: SQLite beside the analytics store)"
    )
    shared_identifier_links: int = Field(
        5, ge=1, description="an identifier seen with more distinct identifiers of one kind is shared"
    )

    loyalty_tiers: dict[str, list[float]] | None = Field(
        None, description='loyalty tier thresholds per category, JSON: {"all": [2000, 800, 300, 1], ...}'
    )

    max_amount: float = Field(1_000_000, gt=0, description="largest amount one event may carry; larger ones are "
                                                            "quarantined as data errors")
    max_quantity: int = Field(100_000, gt=0, description="largest quantity one line may carry; larger ones are "
                                                         "quarantined as data errors")

    timezone: str | None = Field(
        None, description="the retailer's time zone for weekdays and hours (e.g. America/Chicago); default: the "
                          "zone of the last build, else UTC")

    profiling_basis: Literal["consent", "legitimate_interest"] | None = Field(
        None, description="legal basis for scoring customers with models: 'consent' scores only customers who "
                          "granted profiling; 'legitimate_interest' everyone except those who refused it. "
                          "Default: the store's own setting, else consent")

    not_recommended: str | None = Field(
        None, description="departments or categories never recommended, comma-separated (e.g. 'FUEL, GIFT CARDS'); "
                          "default: the store's own setting, else none")

    approaching_days: int = Field(
        30, ge=1, le=365, description="window of the birthday and anniversary 'approaching' genes, in days"
    )

    oidc_role_claim: str = Field(
        "genome_role", min_length=1, description="the ID-token claim naming a user's role when they sign in with "
                                                 "the company's identity provider")
    creative_dir: Path = Field(Path("assets"), description="the creative library folder: library.toml, its "
                                                           "pictures, and templates/*.toml")
    asset_dir: Path | None = Field(
        None, description="folder of the creative studio's picture files (default: beside the store, "
                          "data/genome.assets)")
    global_holdout: float = Field(
        0.0, ge=0.0, lt=0.5, description="share of all customers kept out of every campaign (chosen by a hash of "
                                         "the customer id), so the effect of marketing as a whole can be measured; "
                                         "0 keeps nobody out")
    weekly_cap: int = Field(3, ge=1, le=50, description="campaigns a customer is sent at most in 7 days")
    cache_dir: Path = Field(
        Path.home() / ".cache" / "customer-genome",
        description="where figures that depend only on the product's own code and training texts are kept between "
                    "runs (the life-event reader's held-out report, most of a minute to compute); safe to delete")
    idle_minutes: int = Field(
        30, ge=1, le=24 * 60, description="a signed-in user who does nothing for this many minutes is signed out")

    @field_validator("loyalty_tiers")
    @classmethod
    def _four_falling_thresholds(cls, value: dict | None) -> dict | None:
        for name, cuts in (value or {}).items():
            if len(cuts) != 4 or any(a < b for a, b in zip(cuts, cuts[1:])) or cuts[-1] <= 0:
                raise ValueError(f"GENOME_LOYALTY_TIERS[{name!r}]: give four thresholds falling from Platinum "
                                 f"to Bronze, all above 0, got {cuts}")
        return value

    @field_validator("phone_region")
    @classmethod
    def _region_is_two_letters(cls, value: str) -> str:
        if len(value) != 2 or not value.isalpha():
            raise ValueError("GENOME_PHONE_REGION must be a two-letter region such as US")
        return value.upper()


@lru_cache
def get_settings() -> Settings:
    """The settings, or an InputError naming each bad GENOME_* variable and what is wrong with it."""
    try:
        return Settings()
    except ValidationError as exc:
        problems = "; ".join(f"GENOME_{'_'.join(str(p) for p in e['loc'][:1]).upper()}: {e['msg']}"
                             for e in exc.errors())
        raise InputError(f"bad setting: {problems}") from None
