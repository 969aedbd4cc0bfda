'use strict'
// One Node.js process that drives many real Minecraft Java clients (mineflayer bots)
// for the tests and `pumpkin-patch bench clients` (gui/devkit/node_clients.py).
//
// stdin: one JSON command per line:
//   {"cmd":"join","id":"b1","username":"Bot1","host":"127.0.0.1","port":25565,"version":"26.1"}
//      optional "view_distance": chunks (default: the clients' own, 10 in configuration)
//   {"cmd":"chat","id":"b1","text":"hello"}        text starting with "/" is a command
//   {"cmd":"tab","id":"b1","text":"/di","req":7}  -> {"event":"tab","matches":[...]}
//   {"cmd":"position","id":"b1","req":8}          -> {"event":"position","x":..}
//   {"cmd":"move","id":"b1","control":"forward","ms":500,"req":9} -> {"event":"moved","x":..}
//   {"cmd":"players","id":"b1","req":10}         -> {"event":"players","players":[{username,ping,gamemode}]}
//   {"cmd":"block","id":"b1","x":0,"y":-61,"z":0,"req":11} -> {"event":"block","name":..,"state":..}
//                                                 (name null: that chunk is not loaded)
//   {"cmd":"quit","id":"b1"}    {"cmd":"exit"}
// stdout: one JSON event per line, each with "id" (the bot's, or null) and "t" (ms since
// this process started); replies to a command carry the command's "req" when it had one.
//   ready, login {join_ms}, spawn {join_ms, x,y,z,yaw,pitch}, message {text, position},
//   forced_move {x,y,z,yaw,pitch}, moved (the reply to move, with the position),
//   kicked {reason, logged_in}, end {reason}, error {message[, cmd]},
//   title {kind: title|subtitle, text}, tab_list {header, footer}, sound {name or sound_id,
//   x,y,z, volume, pitch}, block_update {x,y,z, name, state, was}, player_joined and
//   player_left {username} (the tab list), game {gamemode}; the action bar is a message
//   with position "game_info".
// join_ms: milliseconds from the join command to this event.
// Yaw and pitch are in degrees as the server sends them (mineflayer keeps radians).
// Nothing a bot or a command does ends this process: failures become error events.
// It exits on {"cmd":"exit"} or when stdin closes (the Python side went away).

const readline = require('readline')
const util = require('util')

const started = Date.now()
const DEFAULT_VERSION = '26.1'

// stdout carries only events: libraries that print go to stderr instead.
for (const name of ['log', 'info', 'warn', 'error', 'debug']) {
  console[name] = (...args) => process.stderr.write(util.format(...args) + '\n')
}

function emit (event, id, fields = {}) {
  process.stdout.write(JSON.stringify({ event, id: id ?? null, t: Date.now() - started, ...fields }) + '\n')
}

function describe (err) {
  if (err instanceof Error) return err.message || String(err)
  return typeof err === 'string' ? err : util.inspect(err, { depth: 4 })
}

process.on('uncaughtException', (err) => emit('error', null, { message: 'uncaught: ' + describe(err) }))
process.on('unhandledRejection', (err) => emit('error', null, { message: 'unhandled rejection: ' + describe(err) }))

let mineflayer, conversions, Vec3, ChatMessage
try {
  mineflayer = require('mineflayer')
  conversions = require('mineflayer/lib/conversions')
  Vec3 = require('vec3').Vec3
} catch (err) {
  emit('error', null, { message: 'cannot load mineflayer (is NODE_PATH the installed node_modules?): ' + describe(err) })
  process.exit(2)
}

// minecraft-protocol compiles its packet codecs for a version on first use (~2 s for
// 26.1): do it before "ready", or the first join pays for it and every bot joining
// alongside waits behind it (one thread), which would show up in their join times.
function warm (version) {
  try {
    require('minecraft-data')(version)
    const { createSerializer, createDeserializer } = require('minecraft-protocol/src/transforms/serializer')
    for (const state of ['handshaking', 'login', 'configuration', 'play']) {
      createSerializer({ state, version }) // toServer: what a client writes
      createDeserializer({ state, version }) // toClient: what it reads
    }
  } catch (err) {
    emit('error', null, { message: `warming up for ${version} failed (joins will do it): ${describe(err)}` })
  }
}

// A reason or message is a JSON string (login disconnect), an NBT compound or string
// (configuration/play since 1.20.3), a chat object, or plain text: all become plain text.
function plainText (reason, version) {
  if (reason == null) return ''
  try {
    if (!ChatMessage) ChatMessage = require('prismarine-chat')(version)
    if (typeof reason === 'string') {
      try {
        return new ChatMessage(JSON.parse(reason)).toString()
      } catch (_) {
        return reason
      }
    }
    if (typeof reason === 'object' && reason.type) return ChatMessage.fromNotch(reason).toString()
    return new ChatMessage(reason).toString()
  } catch (err) {
    return typeof reason === 'string' ? reason : JSON.stringify(reason)
  }
}

function xyz (v) {
  return { x: v.x, y: v.y, z: v.z }
}

function where (bot) {
  const entity = bot.entity
  if (!entity || !entity.position) return null
  return {
    x: entity.position.x,
    y: entity.position.y,
    z: entity.position.z,
    yaw: conversions.toNotchianYaw(entity.yaw),
    pitch: conversions.toNotchianPitch(entity.pitch)
  }
}

const bots = new Map() // id -> mineflayer bot
const loggedIn = new WeakSet() // bots that got the play login packet

function join (cmd) {
  const id = cmd.id
  if (bots.has(id)) throw new Error(`a bot with id ${id} is already connected`)
  const version = cmd.version || DEFAULT_VERSION
  const joinedAt = Date.now()
  const bot = mineflayer.createBot({
    host: cmd.host || '127.0.0.1',
    port: cmd.port,
    username: cmd.username,
    version,
    auth: 'offline',
    hideErrors: true, // errors are events below, not console noise
    // The view distance goes out twice: in configuration (minecraft-protocol's
    // client information) and in play (mineflayer's settings); both must agree.
    ...(cmd.view_distance ? { viewDistance: cmd.view_distance, clientSettings: { viewDistance: cmd.view_distance } } : {})
  })
  bots.set(id, bot)
  // Each listener is guarded: a throw inside one is this bot's error, nothing more.
  const on = (name, handler) => bot.on(name, (...args) => {
    try {
      handler(...args)
    } catch (err) {
      emit('error', id, { message: `while handling ${name}: ${describe(err)}` })
    }
  })
  on('login', () => {
    loggedIn.add(bot)
    emit('login', id, { username: bot.username, join_ms: Date.now() - joinedAt })
  })
  on('spawn', () => emit('spawn', id, { join_ms: Date.now() - joinedAt, ...where(bot) }))
  on('messagestr', (text, position) => emit('message', id, { text, position: position || 'system' }))
  on('forcedMove', () => emit('forced_move', id, where(bot) || {}))
  on('kicked', (reason, loggedIn) => emit('kicked', id, { reason: plainText(reason, version), logged_in: !!loggedIn }))
  on('error', (err) => emit('error', id, { message: describe(err) }))
  // What plugins show a player: titles, the action bar, the tab list, sounds, blocks.
  // Read from the packets, as mineflayer leaves NBT titles and the action bar packet raw.
  const onPacket = (name, handler) => bot._client.on(name, (packet) => {
    try {
      handler(packet)
    } catch (err) {
      emit('error', id, { message: `while handling the ${name} packet: ${describe(err)}` })
    }
  })
  onPacket('set_title_text', (p) => emit('title', id, { kind: 'title', text: plainText(p.text, version) }))
  onPacket('set_title_subtitle', (p) => emit('title', id, { kind: 'subtitle', text: plainText(p.text, version) }))
  onPacket('action_bar', (p) => emit('message', id, { text: plainText(p.text, version), position: 'game_info' }))
  onPacket('playerlist_header', (p) => emit('tab_list', id, {
    header: plainText(p.header, version), footer: plainText(p.footer, version)
  }))
  on('soundEffectHeard', (name, at, volume, pitch) => emit('sound', id, { name, x: at.x, y: at.y, z: at.z, volume, pitch }))
  on('hardcodedSoundEffectHeard', (soundId, category, at, volume, pitch) => {
    if (typeof soundId === 'number' && soundId > 0) {
      emit('sound', id, { sound_id: soundId, category, x: at.x, y: at.y, z: at.z, volume, pitch })
    }
  })
  on('blockUpdate', (before, after) => {
    if (!after) return
    emit('block_update', id, { ...xyz(after.position), name: after.name, state: after.stateId, was: before ? before.name : null })
  })
  on('playerJoined', (player) => emit('player_joined', id, { username: player.username }))
  on('playerLeft', (player) => emit('player_left', id, { username: player.username }))
  let gamemode = null
  on('game', () => {
    if (bot.game && bot.game.gameMode !== gamemode) {
      gamemode = bot.game.gameMode
      emit('game', id, { gamemode })
    }
  })
  on('end', (reason) => {
    if (bots.get(id) === bot) bots.delete(id)
    emit('end', id, { reason: plainText(reason, version) })
  })
}

function botFor (cmd, needsLogin = true) {
  const bot = bots.get(cmd.id)
  if (!bot) throw new Error(`no connected bot with id ${cmd.id}`)
  if (needsLogin && !loggedIn.has(bot)) throw new Error(`bot ${cmd.id} has not logged in yet`)
  return bot
}

async function handle (cmd) {
  switch (cmd.cmd) {
    case 'join':
      return join(cmd)
    case 'chat':
      return botFor(cmd).chat(String(cmd.text))
    case 'tab': {
      const bot = botFor(cmd)
      const matches = await bot.tabComplete(String(cmd.text), false, false, cmd.timeout_ms || 5000)
      return emit('tab', cmd.id, {
        req: cmd.req,
        matches: (matches || []).map((m) => (typeof m === 'string' ? m : m.match))
      })
    }
    case 'position': {
      const pos = where(botFor(cmd))
      if (!pos) throw new Error(`bot ${cmd.id} has no position yet (not logged in)`)
      return emit('position', cmd.id, { req: cmd.req, ...pos })
    }
    case 'move': {
      const bot = botFor(cmd)
      bot.setControlState(cmd.control, true)
      await new Promise((resolve) => setTimeout(resolve, cmd.ms ?? 500))
      bot.setControlState(cmd.control, false)
      return emit('moved', cmd.id, { req: cmd.req, ...(where(bot) || {}) })
    }
    case 'players': {
      const bot = botFor(cmd)
      const players = Object.values(bot.players).map((p) => ({ username: p.username, ping: p.ping, gamemode: p.gamemode }))
      return emit('players', cmd.id, { req: cmd.req, players })
    }
    case 'block': {
      const block = botFor(cmd).blockAt(new Vec3(cmd.x, cmd.y, cmd.z))
      return emit('block', cmd.id, { req: cmd.req, x: cmd.x, y: cmd.y, z: cmd.z, name: block ? block.name : null, state: block ? block.stateId : null })
    }
    case 'quit':
      return botFor(cmd, false).quit()
    case 'exit':
      return shutdown(0)
    default:
      throw new Error(`unknown command ${JSON.stringify(cmd.cmd)}`)
  }
}

function shutdown (code) {
  for (const bot of bots.values()) {
    try {
      bot.quit()
    } catch (_) {}
  }
  // Let the quit packets and the last events leave before the process ends.
  setTimeout(() => process.exit(code), 100)
}

const lines = readline.createInterface({ input: process.stdin })
lines.on('line', (line) => {
  if (!line.trim()) return
  let cmd
  try {
    cmd = JSON.parse(line)
  } catch (err) {
    return emit('error', null, { message: `not a JSON command: ${line.slice(0, 200)}` })
  }
  Promise.resolve()
    .then(() => handle(cmd))
    .catch((err) => emit('error', cmd.id, { cmd: cmd.cmd, req: cmd.req, message: describe(err) }))
})
lines.on('close', () => shutdown(0))

warm(DEFAULT_VERSION)
emit('ready', null, { node: process.version })
