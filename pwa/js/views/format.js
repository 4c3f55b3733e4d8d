// @ts-check
// Dates and times as people read them, in the phone's language.

// 24-hour times throughout, as the times typed into the form are.
const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short", hourCycle: "h23" });
const date = new Intl.DateTimeFormat(undefined, { weekday: "short", day: "numeric", month: "short", year: "numeric" });
const month = new Intl.DateTimeFormat(undefined, { month: "long", year: "numeric" });

/** @param {number} t */
export const longDateTime = (t) => dateTime.format(t);
/** @param {number} t */
export const shortDate = (t) => date.format(t);
/** A yyyy-mm-dd date as typed, for reading. @param {string} day */
export function dayName(day) {
  const t = new Date(`${day}T00:00`).getTime();
  return Number.isNaN(t) ? day : shortDate(t);
}
/** @param {number} t */
export const monthName = (t) => month.format(t);

/**
 * When an incident happened, as typed: "Sat 21 Nov 2026, about 14:05 to 14:30".
 * @param {import("../diary/model.js").IncidentFields} f
 */
export function happened(f) {
  const { date: day, time, about, endTime } = f.happened;
  const t = new Date(`${day}T${time || "00:00"}`).getTime();
  const parts = [Number.isNaN(t) ? day : shortDate(t)];
  if (time) parts.push(`${about ? "about " : ""}${time}${endTime ? ` to ${endTime}` : ""}`);
  else if (endTime) parts.push(`until ${endTime}`);
  else if (about) parts.push("time not known");
  return parts.join(", ");
}

/** The first words of a text, on one line, for lists. @param {string} text */
export function firstWords(text, max = 90) {
  const words = text.trim().replace(/\s+/g, " ");
  return words.length > max ? `${words.slice(0, max)}…` : words;
}
