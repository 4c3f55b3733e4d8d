// @ts-check
// Short guides, in plain words, from what UK police and victim charities advise
// (shared/GUIDANCE.md and shared/seeds/). A block is a paragraph, or a list when an array.

/** @typedef {{ id: string, title: string, blocks: (string | string[])[] }} Guide */

/** @type {Guide[]} */
export const GUIDES = [
  {
    id: "what",
    title: "What stalking and harassment are",
    blocks: [
      "Stalking is when someone keeps giving you attention you do not want, again and again, in a way that frightens, alarms or distresses you. It is often someone you know, very often a former partner, but it can be a stranger.",
      "It can look like this:",
      [
        "following you, watching you, or hanging around your home or work",
        "turning up where you live, work or study, or driving past",
        "calls (silent ones too), texts, emails and messages online",
        "letters, cards, notes on your car, gifts or things left for you",
        "threats, to you or to your family and friends",
        "contacting people close to you",
        "damage to your car or your things",
      ],
      "Harassment is behaviour that causes you alarm or distress, or makes you fear violence.",
      "Stalking is a crime in Scotland, in England and Wales, and in Northern Ireland. In England and Wales, harassment is a crime too (the Protection from Harassment Act 1997), and the Protection of Freedoms Act 2012 made stalking, and stalking that causes fear of violence, offences of their own. In Scotland you can also ask a civil court to order them to stop (see \"Civil orders in Scotland\"). In Northern Ireland the Protection from Stalking Act (Northern Ireland) 2022 made stalking a crime of its own, and harassment is a crime under the Protection from Harassment (Northern Ireland) Order 1997.",
      "If it is making you feel afraid or harassed, it matters, and you do not have to put up with it.",
    ],
  },
  {
    id: "pattern",
    title: "Why every small thing counts",
    blocks: [
      "The law looks for a \"course of conduct\": two or more incidents. Each one on its own can seem too small to mention, like a text, or the same car outside again.",
      "Put together, they show a pattern, and the pattern is what police and courts need to see. That is what this diary is for. Record each incident, even the ones that seem trivial.",
    ],
  },
  {
    id: "record",
    title: "What to write down, and how",
    blocks: [
      "Write each incident down as soon as you safely can. Notes made at the time carry weight in court. Cairn keeps the time you saved each entry (by your phone's clock), and it cannot be edited afterwards.",
      "For each incident, try to note:",
      [
        "the date and time, and roughly how long it went on",
        "where it happened",
        "what happened, in as much detail as you can",
        "what they looked like, their clothes, their vehicle and its registration",
        "anyone who saw it, and how to reach them",
        "how it made you feel, and what it changed in your life (going out less, a new route to work)",
        "whether you told the police: the officer's name and the crime reference number",
      ],
      "Write only what you would be content for a court to read. Your diary may be shown to the other side if the case goes to court. Stick to what happened and how it affected you.",
      "If you get something wrong, edit the entry: Cairn keeps the first version too, so nothing looks hidden.",
    ],
  },
  {
    id: "evidence",
    title: "Keeping evidence safely",
    blocks: [
      [
        "Take a screenshot of messages and posts before they can be deleted, with the sender and the date showing.",
        "Keep letters, cards, parcels and gifts, and note when and how each one arrived.",
        "Keep texts, emails and voicemails, and record what you can of phone calls. Add copies to the incident in Cairn.",
        "Photograph damage, notes left on your car, or someone outside, only if you can do it without being seen.",
        "Gather evidence at home only when it is safe. Your safety comes before any evidence.",
      ],
    ],
  },
  {
    id: "quick",
    title: "Getting a screenshot or photo in quickly",
    blocks: [
      "You do not need to open your diary to keep something. What you add this way is locked away at once, and waits in your Inbox until you next open your diary.",
      "On an Android phone: where you see it (Photos, Gallery, or the message itself), tap Share and choose the app on your home screen: Calculator, or the look you chose. It opens as it always does, and what you shared is already kept. This works once the app is on your home screen and you have opened your diary on this phone at least once.",
      "On an iPhone, the Share button cannot send anything to Cairn. Instead:",
      [
        "open the app on your home screen, type your code and finish it the second way (on the calculator: your code, then × instead of =), and tap \"Choose a file or screenshot\"",
        "or, in your diary, log an incident and tap \"Add screenshots or files\"",
      ],
      "Once it is in Cairn, you can delete the original, so it is not left in your photos where someone else could find it. Cairn keeps the file exactly as it was, with a fingerprint that shows it was not changed. Check it is in your Inbox or your diary first.",
      "On an iPhone, in Photos:",
      [
        "tap Select, tap the photos, tap the bin and then Delete",
        "then open Recently Deleted (in Albums, or under Utilities at the bottom of Photos), tap Select, tap the photos and then Delete. Until you do, they stay there for 30 days.",
      ],
      "On an Android phone:",
      [
        "in Google Photos: touch and hold the photo, tap Delete (or Move to bin), then open Collections (or Library), then Bin, and delete it from there too",
        "in a Samsung phone's Gallery: delete it, then open the menu (three lines), Recycle bin, and delete it from there too",
      ],
      "If your photos are backed up to an account (Google Photos, iCloud), deleting them on the phone deletes the backed-up copy too. If someone else can see that account, they may have seen it already.",
    ],
  },
  {
    id: "report",
    title: "Reporting to the police",
    blocks: [
      "Call 999 if you are in danger, or the person is still there. To report otherwise, call 101 or go to a police station.",
      "When you report:",
      [
        "ask for the name of the officer in charge, and write it down",
        "ask for the crime reference number, and add it to the incident (under \"Police\")",
        "say it is part of a pattern, and show your diary's summary or report",
        "you can take your answers to the risk checklist: police ask the same questions",
      ],
      "You can get support without going to the police: Victim Support helps either way, and the National Stalking Helpline can talk it through with you.",
    ],
  },
  {
    id: "scotland",
    title: "Civil orders in Scotland",
    blocks: [
      "In Scotland you can ask a civil court for a non-harassment order once there have been at least two incidents of harassment. You do not have to involve the police to do this.",
      "A solicitor can help. The Scottish Women's Rights Centre gives women free legal advice. Your diary and its report are the kind of record a court will want to see.",
    ],
  },
  {
    id: "safety",
    title: "Staying safe",
    blocks: [
      [
        "Do not reply to them, and never agree to meet them, however the message is put.",
        "Tell people you trust what is happening: friends, neighbours, people at work. They can watch out for you, and may be witnesses.",
        "Carry a charged phone, and a personal alarm if you can.",
        "Tell someone where you are going and when you expect to be back.",
        "Think about improving your home's security.",
        "If you think they can see where you are or read your messages, talk to the National Stalking Helpline before you change anything: a sudden change can tell them you know.",
      ],
      "If you ever feel in danger, call 999.",
    ],
  },
];

/** Short hints shown in the incident form, from the same guidance. */
export const FORM_HINTS = {
  what: "In your own words, as much detail as you can. You can use the microphone on your keyboard. Write only what you would be content for a court to read.",
  evidence: "Screenshot messages before they can be deleted, with the sender and date showing. Keep letters and parcels too. Only take photos when it is safe.",
  who: "Even a small detail helps: height, hair, a mark, a car's colour or part of its registration.",
  witnesses: "Anyone who saw or heard it, and how to reach them.",
  impact: "For example: stopped going out, changed your route, took time off work.",
  police: "Ask for the officer's name and the crime reference number, and note them here.",
};

/**
 * What to do with a message, call or post before blocking or reporting it (seeds 002 and
 * 004; the helplines' "online contact"): reported content can disappear.
 */
export const BEFORE_YOU_BLOCK = [
  "Take a screenshot that shows their account name or number, and the date and time it was sent.",
  "Copy the link to the message, post or profile, and paste it here.",
  "Do not reply to them.",
  "Keep the originals (messages, emails, voicemails, call logs). Do not delete them, even once you have a screenshot.",
  "Only then block them, or report them to the app or site: what is reported can be taken down, and the evidence with it.",
];
