"""Fill the Norwegian catalogue from locale/nb_translations.py and compile every catalogue to .mo,
in pure Python (polib): no GNU gettext is needed to build or run Samforløp."""

import importlib.util
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parents[2] / "locale"


def _nb_translations() -> dict:
    """All of locale/nb_translations*.py merged (one file per area keeps edits apart)."""
    merged = {}
    for path in sorted(ROOT.glob("nb_translations*.py")):
        spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        merged.update(module.NB)
    return merged


def fill_nb(po: polib.POFile) -> list[str]:
    nb = _nb_translations()
    missing = []
    for entry in po:
        if entry.msgid_plural:
            found = nb.get((entry.msgid, entry.msgid_plural))
            if found:
                entry.msgstr_plural = {0: found[0], 1: found[1]}
        else:
            found = nb.get(entry.msgid)
            if found:
                entry.msgstr = found
        if not found:
            missing.append(entry.msgid)
        else:
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
            entry.previous_msgid = entry.previous_msgid_plural = entry.previous_msgctxt = None
    return missing


def main() -> None:
    for po_path in sorted(ROOT.glob("*/LC_MESSAGES/django.po")):
        po = polib.pofile(str(po_path))
        if po_path.parts[-3] == "nb":
            missing = fill_nb(po)
            po.metadata["Plural-Forms"] = "nplurals=2; plural=(n != 1);"
            po.metadata["Language"] = "nb"
            po.save()
            for msgid in missing:
                print(f"nb: no translation for {msgid!r}")
        po.save_as_mofile(str(po_path.with_suffix(".mo")))
        print(f"{po_path.relative_to(ROOT.parent)}: {po.percent_translated()}% translated")


if __name__ == "__main__":
    main()
