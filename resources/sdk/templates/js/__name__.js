// __name__: a Pumpkin plugin (JavaScript, componentize-js).
//
// Build: pumpkin-patch sdk build . -o __name__.wasm
// Try it: pumpkin-patch sdk run .   (rebuilds and reloads on every save)
import { Command } from 'pumpkin:plugin/command@0.1.0';
import { TextComponent } from 'pumpkin:plugin/text@0.1.0';

const HELLO = 1;
const ON_JOIN = 1;

export const metadata = {
  getMetadata() {
    return {
      name: '__name__',
      version: '0.1.0',
      authors: ['you'],
      description: 'Greets players and answers /__name__.',
      dependencies: [],
      permissions: [],
    };
  },
};

export function initPlugin() {}

export function onLoad(context) {
  const hello = new Command(['__name__'], 'Say hello');
  hello.executeWithHandlerId(HELLO);
  context.registerCommand(hello, '');
  context.registerEvent(ON_JOIN, 'player-join-event', 'normal', true);
}

export function onUnload(context) {}

export function handleEvent(eventId, server, event) {
  if (eventId === ON_JOIN && event.tag === 'player-join-event') {
    event.val.joinMessage = TextComponent.text(`Welcome, ${event.val.player.getName()}!`);
  }
  return event;
}

export function handleCommand(commandId, sender, server, args) {
  sender.sendMessage(TextComponent.text(`Hello, ${sender.getName()}!`));
  return 1;
}

// The rest of the world's exports, unused here.
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
