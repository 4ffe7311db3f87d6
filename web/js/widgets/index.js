// SPDX-License-Identifier: MIT
// Widgets built from a topic's meta: a series widget for samples (one
// renderer per chart type, widgets/renderers.js) and a feed for events.
// Each renders from its Series in the animation frame the app schedules;
// nothing from the wire becomes HTML.

import { SeriesWidget } from './series.js';
import { FeedWidget } from './feed.js';
import { widgetKind } from '../fields.js';

/**
 * What a widget may ask of the app.
 * @typedef {object} Actions
 * @property {(w: object) => void} markDirty        draw w in a coming frame
 * @property {(topic: string, format: 'csv'|'json') => void} export
 * @property {(topic: string) => void} openAlerts   the alert dialog of topic
 * @property {(topic: string) => void} toggle       stop or start topic's stream
 */

const KINDS = { series: SeriesWidget, feed: FeedWidget };

export { widgetKind };

/** A new widget of the kind series needs (widgetKind(series)). */
export function createWidget(actions, series) {
  return new KINDS[widgetKind(series)](actions, series);
}
