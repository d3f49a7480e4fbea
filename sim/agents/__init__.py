"""The people of the organisation: Mesa agents, one class per role family.

| role | class | what it does |
|---|---|---|
| `sales_rep` | `SalesRep` | drafts outreach, proposals and call summaries; sees customers |
| `marketer` | `Producer` | plans and drafts campaign assets and explainers |
| `brand_reviewer`, `legal_reviewer`, `deal_desk`, `engineer` | `Reviewer` | reviews |
| `manager` | `Manager` | triages the reports that reach them, coaches |
| `server` | `Server` | a queueing server: serves and hands on (validation networks) |

With `people.enabled=false` everyone is a `Server`: the pure queueing network.
"""

from sim.agents.manager import Manager
from sim.agents.person import Person, Server
from sim.agents.producer import Producer, SalesRep
from sim.agents.reviewer import Reviewer, Verdict
from sim.agents.staff import Staff

ROLE_CLASSES: dict[str, type[Person]] = {
    "sales_rep": SalesRep,
    "marketer": Producer,
    "brand_reviewer": Reviewer,
    "legal_reviewer": Reviewer,
    "deal_desk": Reviewer,
    "engineer": Reviewer,
    "manager": Manager,
    "server": Server,
}


def agent_class(role: str, behaviour: bool) -> type[Person]:
    """The class of a person in `role`; with behaviour off, everyone is a plain `Server`."""
    return ROLE_CLASSES[role] if behaviour else Server


__all__ = [
    "ROLE_CLASSES",
    "Manager",
    "Person",
    "Producer",
    "Reviewer",
    "SalesRep",
    "Server",
    "Staff",
    "Verdict",
    "agent_class",
]
