"""An export's summary (``export``): what was written, and what was left out or
renamed, and why."""

from __future__ import annotations

from workflow_migrator._export import ExportResult
from workflow_migrator._secret_paths import UNKNOWN_PLACEHOLDER


def export_text(result: ExportResult) -> str:
    """A line for what was written, then one for each thing to know about it."""
    lines = [f"Exported {result.tasks} task definition(s), {result.workflows} workflow(s) "
             f"({result.workflow_versions} version(s)) and {result.event_handlers} event "
             f"handler(s) to {result.directory}."]
    if result.skipped_samples:
        lines.append("Skipped the server's stock boot samples: "
                     f"{', '.join(result.skipped_samples)}.")
    if result.excluded:
        lines.append(f"Excluded {len(result.excluded)} by --exclude.")
    if result.unmanageable:
        lines.append(f"Left out {len(result.unmanageable)} definition(s) no file can manage "
                     "(rename them on the server to bring them under the migrator): "
                     f"{'; '.join(result.unmanageable)}.")
    if result.renamed:
        lines.append(f"{len(result.renamed)} name(s) are not safe or short enough as file "
                     "names: their files are named after them with a hash (the name inside "
                     f"is exact): {', '.join(result.renamed)}.")
    if result.placeholders:
        lines.append(f"Wrote {result.placeholders} secret value(s) as their @{{NAME}} "
                     "placeholder, as the last deploy's record notes them, never the value: "
                     "define each under 'values' and 'secret' in environments/<APP_ENV>.yaml.")
    if result.unknown_placeholders:
        lines.append(f"A secret whose placeholder the record does not name is written as "
                     f"{UNKNOWN_PLACEHOLDER}: replace it in "
                     f"{', '.join(result.unknown_placeholders)}.")
    return "\n".join(lines)
