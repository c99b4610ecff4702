/* One way to show a date in scripts, the same as the server's sz_dates filters: Buddhist era
 * in Thai ("2 ธ.ค. 2569 14:03"), Gregorian in English ("2 Dec 2026 14:03"), in the station's
 * time zone (the page's <html data-tz>, default Asia/Bangkok). Load before the page's scripts. */
(function () {
  "use strict";
  var root = document.documentElement;
  var thai = (root.lang || "th").indexOf("th") === 0;
  var zone = root.dataset.tz || "Asia/Bangkok";
  var locale = thai ? "th-TH-u-ca-buddhist" : "en-GB";
  function parts(value, options) {
    var date = value instanceof Date ? value : new Date(value);
    if (isNaN(date)) return null;
    var out = {};
    new Intl.DateTimeFormat(locale, Object.assign({ timeZone: zone, hourCycle: "h23" }, options))
      .formatToParts(date).forEach(function (p) { out[p.type] = p.value; });
    return out;
  }
  function formatDate(value) {
    var p = parts(value, { day: "numeric", month: "short", year: "numeric" });
    return p ? p.day + " " + p.month + " " + p.year : "";
  }
  function formatTime(value, seconds) {
    var p = parts(value, { hour: "2-digit", minute: "2-digit", second: seconds ? "2-digit" : undefined });
    return p ? p.hour + ":" + p.minute + (seconds ? ":" + p.second : "") : "";
  }
  function formatDateTime(value, seconds) {
    var d = formatDate(value);
    return d ? d + " " + formatTime(value, seconds) : "";
  }
  window.SmartZoneDates = { formatDate: formatDate, formatTime: formatTime, formatDateTime: formatDateTime };
})();
