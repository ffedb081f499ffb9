from dataclasses import dataclass, field


@dataclass
class Summary:
    """What one run of the seeding created, for the command to report."""

    created: dict[str, int] = field(default_factory=dict)
    appointments_created: int = 0

    def count(self, what: str, created: bool) -> None:
        if created:
            self.created[what] = self.created.get(what, 0) + 1
