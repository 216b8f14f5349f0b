"""`voice-cecert models [list | download NAME_OR_URL | use PATH]`: vosk speech models."""

from __future__ import annotations

import argparse
from pathlib import Path

from voice_cecert import config, models_download, paths, vosk_models
from voice_cecert.errors import UserError

ORDER = 70


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "models",
        help="list, download (the only network use) or choose vosk speech models",
        description="With no action: list the vosk models found on this computer.",
    )
    parser.set_defaults(handler=_list)
    actions = parser.add_subparsers(dest="action", metavar="ACTION", parser_class=type(parser))
    actions.add_parser("list", help="models found on this computer").set_defaults(handler=_list)
    get = actions.add_parser(
        "download",
        help="download a model (small-en-us, en-us-lgraph, or a URL to a .zip)",
    )
    get.add_argument("name", metavar="NAME_OR_URL")
    get.add_argument("--sha256", help="expected SHA-256 of the zip (checked before unpacking)")
    get.add_argument("--quiet", action="store_true", help="no progress bar")
    get.set_defaults(handler=_download)
    use = actions.add_parser("use", help="use this model folder from now on (saved in settings)")
    use.add_argument("path", metavar="PATH")
    use.set_defaults(handler=_use)


def _list(args: argparse.Namespace) -> int:
    settings = config.load_settings()
    found = vosk_models.find_models()
    configured = Path(settings.model_path).expanduser() if settings.model_path else None
    if configured is not None and not any(m.path == configured for m in found):
        if vosk_models.is_vosk_model(configured):
            found.insert(0, vosk_models.FoundModel(configured.name, configured, 0.0))
        else:
            print(f"the configured model_path {configured} is not a vosk model folder")
    if not found:
        where = ", ".join(str(d) for d in paths.model_search_dirs())
        print(f"No vosk models found (looked in: {where}).")
        print("pocketsphinx's built-in English model is used until you add one.")
    in_use = configured if configured and vosk_models.is_vosk_model(configured) else None
    if in_use is None and found:
        in_use = found[0].path
    for model in found:
        mark = " (in use)" if model.path == in_use else ""
        size = f", {model.size_mb:.0f} MB" if model.size_mb else ""
        print(f"{model.name}{mark}: {model.path}{size}")
    names = ", ".join(models_download.KNOWN)
    print(f"Download one with: voice-cecert models download NAME (names: {names})")
    return 0


def _download(args: argparse.Namespace) -> int:
    target = models_download.download(args.name, sha256=args.sha256, progress=not args.quiet)
    print(f"downloaded to {target}; use it with: voice-cecert models use {target}")
    return 0


def _use(args: argparse.Namespace) -> int:
    path = Path(args.path).expanduser()
    if not path.exists():
        by_name = [m.path for m in vosk_models.find_models() if m.name == args.path]
        path = by_name[0] if by_name else path
    if not vosk_models.is_vosk_model(path):
        raise UserError(f"{path} is not a vosk model folder (it needs am/final.mdl, conf, graph)")
    path = path.resolve()
    saved = config.save_settings(config.load_settings().with_overrides(model_path=str(path)))
    print(f"model_path = {path} (saved in {saved})")
    return 0
