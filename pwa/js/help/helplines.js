// @ts-check
// Who to call. The numbers are copied exactly from the pages police and charities publish
// (shared/GUIDANCE.md; Northern Ireland's from the official pages docs/helplines.md cites);
// e2e/test_help.py checks every one against docs/helplines.md.

/**
 * @typedef {object} Line
 * @property {string} name
 * @property {string} number   as published, spaces and all; "" when none is known
 * @property {string} what     what it is for, in a line
 * @property {string} [hours]  when it is open, where known
 */

/** Call these first. @type {Line[]} */
export const POLICE = [
  { name: "Police, emergency", number: "999", what: "If you are in danger now, or the person is still there." },
  { name: "Police, non-emergency", number: "101", what: "To report stalking or harassment, or to add to a report." },
];

/** The helpline for stalking, anywhere in the UK: offered wherever help is needed now. @type {Line} */
export const STALKING_HELPLINE = {
  name: "National Stalking Helpline",
  number: "0808 802 0300",
  what: "Confidential advice: whether it is stalking, the law, keeping yourself safe, collecting evidence and talking to the police.",
};

/** @type {{ nation: string, lines: Line[] }[]} */
export const HELPLINES = [
  {
    nation: "Anywhere in the UK",
    lines: [
      STALKING_HELPLINE,
    ],
  },
  {
    nation: "Scotland",
    lines: [
      { name: "Victim Support Scotland", number: "0800 160 1985", what: "Free, confidential support and practical help for victims and witnesses of crime." },
      {
        name: "Scottish Women's Aid",
        number: "0131 226 6606",
        what: "For women and their children abused by a partner or ex-partner: advice, support and safe places to stay.",
      },
      {
        name: "Rape Crisis Scotland",
        number: "08088 01 03 02",
        what: "For anyone affected by sexual violence; can put you in touch with a local centre.",
        hours: "6pm to midnight, 7 days a week",
      },
      {
        name: "Scottish Domestic Abuse and Forced Marriage Helpline",
        number: "0800 027 1234",
        what: "Confidential information and support for anyone affected by domestic abuse.",
      },
      {
        name: "Scottish Women's Rights Centre",
        number: "08088 010 789",
        what: "Free legal help for women affected by violence, stalking included.",
        hours: "Monday 2pm to 5pm, Tuesday 6pm to 8pm, Wednesday 11am to 2pm, Friday 10am to 1pm",
      },
    ],
  },
  {
    nation: "Northern Ireland",
    lines: [
      {
        name: "Domestic and Sexual Abuse Helpline",
        number: "0808 802 1414",
        what: "Free, confidential support for anyone affected by domestic or sexual abuse, now or in the past, stalking by a partner or ex-partner included.",
        hours: "24 hours a day, every day of the year",
      },
      {
        name: "Victim Support NI",
        number: "",
        what: "Support for victims and witnesses of crime: someone to talk to, information and advice about the police and courts, and help claiming criminal injuries compensation. Cairn does not hold their number.",
      },
    ],
  },
  {
    nation: "England and Wales",
    lines: [
      {
        name: "Victim Support",
        number: "",
        what: "Support whether or not you talk to the police. Interpreters, Relay UK and SignLive (BSL) are available. Cairn does not hold their number. When you report a crime, the police should ask whether you would like their help.",
      },
    ],
  },
];

/** A number as a `tel:` link target: digits only. @param {string} number */
export const telHref = (number) => `tel:${number.replace(/[^0-9+]/g, "")}`;
