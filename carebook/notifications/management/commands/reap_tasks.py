from django.core.management.base import BaseCommand

from carebook.core.timeutils import now as utcnow
from carebook.notifications import conf, reaper
from carebook.notifications.tasks import ensure_reaper_scheduled


class Command(BaseCommand):
    help = (
        "Queue again background tasks left RUNNING by a worker that died (older than "
        "CAREBOOK_TASK_RUNNING_TIMEOUT_SECONDS), and make sure the periodic reaper is queued."
    )

    def handle(self, *args, **options):
        requeued, failed = reaper.requeue_stuck(now=utcnow())
        ensure_reaper_scheduled()
        self.stdout.write(
            f"Requeued {requeued} stuck task(s); failed {failed} that kept losing their worker "
            f"(timeout {conf.running_timeout()})."
        )
