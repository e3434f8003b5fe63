"""Compile every catalogue (locale/*/LC_MESSAGES/django.po) to .mo, in pure Python (polib): no GNU
gettext is needed to build or run Samforløp.

The .po files are the source of the translations: translators edit them (Poedit, Weblate, or a
text editor), `make messages` extracts new strings into them and compiles. A Norwegian entry
left untranslated (or fuzzy) is named here, and tests/test_language.py fails on it.
"""

from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parents[2] / "locale"


def main() -> None:
    for po_path in sorted(ROOT.glob("*/LC_MESSAGES/django.po")):
        po = polib.pofile(str(po_path))
        if po_path.parts[-3] == "nb":
            po.metadata["Plural-Forms"] = "nplurals=2; plural=(n != 1);"
            po.metadata["Language"] = "nb"
            po.save()
            for entry in po.untranslated_entries() + po.fuzzy_entries():
                print(f"nb: no translation for {entry.msgid!r}")
        po.save_as_mofile(str(po_path.with_suffix(".mo")))
        print(f"{po_path.relative_to(ROOT.parent)}: {po.percent_translated()}% translated")


if __name__ == "__main__":
    main()
