// Small progressive enhancements; every page works without this file.
// Tell the server the browser's time zone, so times elsewhere also show in the viewer's own.
try {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (zone && !document.cookie.split("; ").includes("carebook_tz=" + encodeURIComponent(zone))) {
    document.cookie = "carebook_tz=" + encodeURIComponent(zone) + "; path=/; max-age=31536000; SameSite=Lax";
  }
} catch (e) { /* an old browser: places' own times only */ }

document.addEventListener("DOMContentLoaded", () => {
  // Filter panels start open on wide screens and folded on phones.
  if (window.matchMedia("(min-width: 48rem)").matches) {
    document.querySelectorAll("details[data-open-wide]").forEach((d) => { d.open = true; });
  }
});
