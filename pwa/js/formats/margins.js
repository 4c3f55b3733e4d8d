// @ts-check
// What a printed report carries in the margin of every page: the exhibit reference at the
// top left, the record's short fingerprint at the top right (the page number is CSS's own).
// Chromium prints a custom property set on the root inside @page margin boxes (string-set
// it does not print), so the report sets these two on <html> while it is shown, and the
// bundle's report.html sets them in its own style.

/** How many hex digits of the chain head's fingerprint each page carries. */
export const SHORT = 16;

/**
 * Text as a CSS string that is safe anywhere, a <style> element included: everything but
 * plain letters, digits and a few marks is escaped.
 * @param {string} text
 */
export function cssString(text) {
  return `"${[...text.replace(/\s+/g, " ")].map((c) => (/[\p{L}\p{N} .,:/_-]/u.test(c) ? c : `\\${c.codePointAt(0)?.toString(16)} `)).join("")}"`;
}

/**
 * The custom properties the margins print, as [name, CSS value] pairs.
 * @param {{ head: string, exhibit?: string }} report
 * @returns {[string, string][]}
 */
export function marginProperties({ head, exhibit }) {
  return [
    ["--report-head", cssString(`Record ${head.slice(0, SHORT)}`)],
    ["--report-exhibit", cssString(exhibit ? `Exhibit ${exhibit}` : "Exhibit reference:")],
  ];
}
