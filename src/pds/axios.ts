// axios, loaded without Node's fetch (undici): modules are evaluated in the order they are imported,
// so web-fetch-hidden.ts has hidden the fetch globals when axios runs its own start, and they are
// back once this module's body runs.
import { restoreWebFetch } from './web-fetch-hidden.js';
import axios from 'axios';

restoreWebFetch();

export default axios;
