// Prints the environment docker-compose.yml gives a service (.env.example
// applied), one NAME=value a line: run.sh starts the node with it, so that
// the test node runs with the settings of the compose file.
import { composeConfig } from "./helpers.mjs";

const service = process.argv[2];
const environment = composeConfig().services[service]?.environment;
if (!environment) throw new Error(`no environment for service ${service}`);
for (const [name, value] of Object.entries(environment)) console.log(`${name}=${value}`);
