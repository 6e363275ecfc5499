import type { StoredSurvey, SurveyAnswer } from './ports.js';

/** The surveys after `answers` (answered `at`): one row per kind, each answer filling in what it gives. Shared by the stores. */
export function mergeSurveys(list: StoredSurvey[], answers: SurveyAnswer[], at: Date): StoredSurvey[] {
  const out = [...list];
  for (const a of answers) {
    const i = out.findIndex((s) => s.kind === a.kind);
    const prev = i >= 0 ? out[i]! : { kind: a.kind, csat: null, nps: null, answer: null, comment: null, answeredAt: null };
    const next: StoredSurvey = {
      kind: a.kind,
      csat: a.csat ?? prev.csat,
      nps: a.nps ?? prev.nps,
      answer: a.answer ?? prev.answer,
      comment: a.comment ?? prev.comment,
      answeredAt: at,
    };
    if (i >= 0) out[i] = next;
    else out.push(next);
  }
  return out;
}
