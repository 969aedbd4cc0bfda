// fetcher: a test plugin that makes one HTTP request per `/fetch <url>`.
// It requests http.outbound; the reply says what fetch() gave it.
import { Command, CommandNode } from 'pumpkin:plugin/command@0.1.0';
import { TextComponent } from 'pumpkin:plugin/text@0.1.0';

const FETCH = 1;

export const metadata = {
  getMetadata() {
    return {
      name: 'fetcher',
      version: '1.0.0',
      authors: ['Pumpkin Patch tests'],
      description: 'Fetches the URL given to /fetch and says what came back.',
      dependencies: [],
      permissions: ['http.outbound'],
    };
  },
};

export function initPlugin() {}

export function onLoad(context) {
  const url = CommandNode.argument('url', { tag: 'string', val: 'greedy' });
  url.executeWithHandlerId(FETCH);
  const fetchCommand = new Command(['fetch'], 'Fetch a URL: /fetch <url>');
  fetchCommand.then(url);
  context.registerCommand(fetchCommand, '');
}

export function onUnload(context) {}

export function handleEvent(eventId, server, event) { return event; }

// A promise returned from an export is awaited by componentize-js.
export async function handleCommand(commandId, sender, server, args) {
  const url = args.getValue('url').val;
  let outcome;
  try {
    const response = await fetch(url);
    outcome = `fetched ${response.status} ${await response.text()}`;
  } catch (err) {
    outcome = `fetch failed: ${err}`;
  }
  sender.sendMessage(TextComponent.text(outcome));
  return 1;
}

export function handleCommandSuggestion(handlerId, sender, server, request) {
  return { start: request.start, length: 0, values: [] };
}
export function handleTask(handlerId, server) {}
export function handleIpcMessage(sender, message) { throw 'no messages'; }
export function handleAiGoalCanStart() { return false; }
export function handleAiGoalShouldContinue() { return false; }
export function handleAiGoalStart() {}
export function handleAiGoalTick() {}
export function handleAiGoalStop() {}
export function handleGeneratePhase() {}
