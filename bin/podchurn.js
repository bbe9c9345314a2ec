#!/usr/bin/env node
import '../dist/podchurn.js';
