import { createRequire } from 'node:module';
import type * as Bolt from '@slack/bolt';

/**
 * The parts of Bolt the adapter uses, loaded from their own modules: Bolt's index also loads
 * its Express receiver (Express and its middleware, ~12 MB and a few hundred ms at start),
 * which Aftercare never uses. patches/@slack+bolt+5.1.0.patch makes Bolt's App load its Socket
 * Mode receiver only when asked for, too.
 */
const require = createRequire(import.meta.url);

const app = require('@slack/bolt/dist/App.js') as { default: typeof Bolt.App; LogLevel: typeof Bolt.LogLevel };
export const App = app.default;
export type App = Bolt.App;
export const HTTPReceiver = (require('@slack/bolt/dist/receivers/HTTPReceiver.js') as { default: typeof Bolt.HTTPReceiver }).default;
export type HTTPReceiver = Bolt.HTTPReceiver;
/** Socket Mode's receiver, loaded only when it is used (it brings @slack/socket-mode, @slack/oauth and undici). */
export const socketModeReceiver = (): typeof Bolt.SocketModeReceiver =>
  (require('@slack/bolt/dist/receivers/SocketModeReceiver.js') as { default: typeof Bolt.SocketModeReceiver }).default;
export const HTTPModuleFunctions = require('@slack/bolt/dist/receivers/HTTPModuleFunctions.js') as typeof Bolt.HTTPModuleFunctions;
export const LogLevel = app.LogLevel;
export type LogLevel = Bolt.LogLevel;
export type { BufferedIncomingMessage, Logger, Receiver } from '@slack/bolt';
