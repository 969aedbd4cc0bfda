// hello_js: a greeter with a command, written in JavaScript.
//
// Built with componentize-js against Pumpkin's world pumpkin:plugin@0.1.0
// (`pumpkin-patch sdk build resources/plugins/hello_js -o hello_js.wasm`).
// WIT names become camelCase; a WIT variant is { tag, val }; a resource is
// a class; returning from an export that gives a result is `ok`, throwing
// is `err`.
import { log } from 'pumpkin:plugin/logging@0.1.0';
import { Command, CommandNode } from 'pumpkin:plugin/command@0.1.0';
import { TextComponent } from 'pumpkin:plugin/text@0.1.0';

const HELLO = 1;
const ON_JOIN = 1;

export const metadata = {
  getMetadata() {
    return {
      name: 'hello_js',
      version: '1.0.0',
      authors: ['Pumpkin Patch'],
      description: 'Greets joining players and answers /hello [name]; written in JavaScript.',
      dependencies: [],
      permissions: [],
    };
  },
};

export function initPlugin() {}

export function onLoad(context) {
  const name = CommandNode.argument('name', { tag: 'string', val: 'single-word' });
  name.executeWithHandlerId(HELLO);
  const hello = new Command(['hello'], 'Say hello: /hello [name]');
  hello.then(name);
  hello.executeWithHandlerId(HELLO);
  context.registerCommand(hello, '');
  context.registerEvent(ON_JOIN, 'player-join-event', 'normal', true);
  log('info', 'hello_js loaded');
}

export function onUnload(context) {}

export function handleEvent(eventId, server, event) {
  if (eventId === ON_JOIN && event.tag === 'player-join-event') {
    const player = event.val.player.getName();
    event.val.joinMessage = TextComponent.text(`Hello from JavaScript, ${player}!`);
  }
  return event;
}

export function handleCommand(commandId, sender, server, args) {
  const arg = args.getValue('name');
  const who = arg.tag === 'simple' && arg.val ? arg.val : sender.getName();
  sender.sendMessage(TextComponent.text(`Hello, ${who}! (from JavaScript)`));
  return 1;
}

// The rest of the world's exports: this plugin has no use for them.
export function handleCommandSuggestion(handlerId, sender, server, request) {
  return { start: request.start, length: 0, values: [] };
}
export function handleTask(handlerId, server) {}
export function handleIpcMessage(sender, message) {
  throw 'hello_js takes no messages';
}
export function handleAiGoalCanStart() { return false; }
export function handleAiGoalShouldContinue() { return false; }
export function handleAiGoalStart() {}
export function handleAiGoalTick() {}
export function handleAiGoalStop() {}
export function handleGeneratePhase() {}
