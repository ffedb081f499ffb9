"""Does a medicine match a recorded allergy, by name or by drug class? Pure, no database.

A small list of the drug classes behind most recorded drug allergies, by generic name (and a
few Indian brand names doctors write), grouped as the WHO ATC classification groups them:
J01C penicillins, J01D cephalosporins and carbapenems, J01E sulfonamides, J01F macrolides,
J01M quinolones, J01A tetracyclines, M01A and N02BA NSAIDs and salicylates, N02A opioids.
Cephalosporins are listed as a class of their own and also warned against for a penicillin
allergy: the cross-reactivity is low but real (BNF, "Penicillins: hypersensitivity"), and a
warning asks only for a reason. It is a safety net, not a formulary: a name it does not know
matches only by name.
"""

import re
from dataclasses import dataclass

CLASSES: dict[str, frozenset[str]] = {
    "penicillins": frozenset(
        "penicillin benzylpenicillin phenoxymethylpenicillin amoxicillin amoxycillin ampicillin "
        "cloxacillin dicloxacillin flucloxacillin piperacillin co-amoxiclav amoxiclav augmentin "
        "mox novamox clavam".split()
    ),
    "cephalosporins": frozenset(
        "cefalexin cephalexin cefadroxil cefuroxime cefaclor cefixime cefpodoxime ceftriaxone "
        "cefotaxime ceftazidime cefepime cefazolin cefdinir".split()
    ),
    "carbapenems": frozenset("meropenem imipenem ertapenem".split()),
    "sulfonamides": frozenset(
        "sulfonamide sulphonamide sulfamethoxazole co-trimoxazole cotrimoxazole septran "
        "bactrim sulfadiazine sulfasalazine".split()
    ),
    "macrolides": frozenset("erythromycin azithromycin clarithromycin roxithromycin".split()),
    "quinolones": frozenset(
        "ciprofloxacin levofloxacin ofloxacin norfloxacin moxifloxacin".split()
    ),
    "tetracyclines": frozenset("tetracycline doxycycline minocycline".split()),
    "nsaids": frozenset(
        "nsaid aspirin acetylsalicylic ibuprofen diclofenac naproxen ketorolac aceclofenac "
        "mefenamic indomethacin piroxicam etoricoxib celecoxib nimesulide ketoprofen brufen "
        "combiflam voveran".split()
    ),
    "opioids": frozenset(
        "opioid codeine morphine tramadol tapentadol oxycodone fentanyl pethidine".split()
    ),
}
# Words a record uses for a class itself ("allergic to NSAIDs", "sulfa drugs").
CLASS_WORDS = {
    "penicillin": "penicillins",
    "penicillins": "penicillins",
    "cephalosporin": "cephalosporins",
    "cephalosporins": "cephalosporins",
    "sulfa": "sulfonamides",
    "sulpha": "sulfonamides",
    "sulfonamides": "sulfonamides",
    "sulphonamides": "sulfonamides",
    "macrolide": "macrolides",
    "macrolides": "macrolides",
    "quinolone": "quinolones",
    "quinolones": "quinolones",
    "fluoroquinolones": "quinolones",
    "tetracyclines": "tetracyclines",
    "nsaids": "nsaids",
    "painkillers": "nsaids",
    "opioids": "opioids",
    "opiates": "opioids",
}
# A penicillin allergy also warns for these (cross-reactivity).
ALSO = {"penicillins": {"cephalosporins", "carbapenems"}}


@dataclass(frozen=True)
class Conflict:
    medicine: str
    allergy: str  # the record's line, as written
    why: str  # "the same medicine" or the class they share

    def __str__(self):
        return f"{self.medicine}: recorded allergy “{self.allergy}” ({self.why})"


def _words(text: str) -> set[str]:
    return {w for w in re.split(r"[^a-z0-9-]+", text.lower()) if len(w) > 2}


def _classes(words: set[str]) -> set[str]:
    found = {CLASS_WORDS[w] for w in words if w in CLASS_WORDS}
    found |= {name for name, members in CLASSES.items() if words & members}
    return found


def conflicts(medicines: list[str], allergies: list[str]) -> list[Conflict]:
    """Every medicine that matches a recorded allergy line, by name or drug class."""
    out = []
    for allergy in allergies:
        substance = re.split(r"[:(\-–—]", allergy, maxsplit=1)[0]
        allergic_words = _words(substance)
        if not allergic_words:
            continue
        allergic = _classes(allergic_words)
        cross = {also: name for name in allergic for also in ALSO.get(name, ())}
        for medicine in medicines:
            words = _words(medicine)
            classes = _classes(words)
            if words & allergic_words:
                out.append(Conflict(medicine, allergy, "the same medicine"))
            elif shared := sorted(classes & allergic):
                out.append(Conflict(medicine, allergy, f"both {shared[0]}"))
            elif near := sorted(classes & set(cross)):
                why = f"{near[0]} can cross-react with {cross[near[0]]}"
                out.append(Conflict(medicine, allergy, why))
    return out
