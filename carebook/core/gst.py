"""India's GST registrations: the state codes and GSTIN validation (python-stdnum's check).

State codes as the GST Network numbers them (the first two characters of a GSTIN).
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum.exceptions import ValidationError as NumberError
from stdnum.in_ import gstin

STATES = {
    "01": "Jammu and Kashmir",
    "02": "Himachal Pradesh",
    "03": "Punjab",
    "04": "Chandigarh",
    "05": "Uttarakhand",
    "06": "Haryana",
    "07": "Delhi",
    "08": "Rajasthan",
    "09": "Uttar Pradesh",
    "10": "Bihar",
    "11": "Sikkim",
    "12": "Arunachal Pradesh",
    "13": "Nagaland",
    "14": "Manipur",
    "15": "Mizoram",
    "16": "Tripura",
    "17": "Meghalaya",
    "18": "Assam",
    "19": "West Bengal",
    "20": "Jharkhand",
    "21": "Odisha",
    "22": "Chhattisgarh",
    "23": "Madhya Pradesh",
    "24": "Gujarat",
    "26": "Dadra and Nagar Haveli and Daman and Diu",
    "27": "Maharashtra",
    "29": "Karnataka",
    "30": "Goa",
    "31": "Lakshadweep",
    "32": "Kerala",
    "33": "Tamil Nadu",
    "34": "Puducherry",
    "35": "Andaman and Nicobar Islands",
    "36": "Telangana",
    "37": "Andhra Pradesh",
    "38": "Ladakh",
}
STATE_CHOICES = [(code, f"{name} ({code})") for code, name in STATES.items()]


def gstin_compact(value: str) -> str:
    return gstin.compact(value) if value else ""


def validate_gstin(value: str) -> None:
    """Format, PAN part and check character of a GSTIN (15 characters)."""
    if not value:
        return
    try:
        gstin.validate(value)
    except NumberError as error:
        raise ValidationError(
            _("%(value)s is not a valid GSTIN (%(why)s)."),
            params={"value": value, "why": str(error).rstrip(".").lower()},
            code="gstin",
        ) from error
