/**
 * Built-in examples: a few items per task, written for ftlab (not taken from the paper's data),
 * so a fresh start has something to run with no file. Each task has test items and a small
 * demonstration pool (for ICL / FTICL). Fields are those of the paper's files for the task.
 */
import type { TaskItem } from '../../core/datasets/types.ts';
import type { PaperTaskId } from '../../core/tasks/types.ts';

export const BUILTIN_SOURCE = 'ftlab built-in examples';

type Fields = Record<string, string>;
interface Example {
  fields: Fields;
  output: string;
}

function items(source: string, examples: readonly Example[]): TaskItem[] {
  return examples.map((e, index) => ({ source, index, fields: e.fields, output: e.output }));
}

const TEST: Record<PaperTaskId, readonly Example[]> = {
  sentiment: [
    { fields: { input: 'The kettle boils fast and the handle stays cool. I use it every morning and it still looks new.' }, output: 'positive' },
    { fields: { input: 'The zipper broke on the second day and the seller never answered my emails.' }, output: 'negative' },
    { fields: { input: 'Honestly better than the pricier brand I had before; the battery lasts all weekend.' }, output: 'positive' },
  ],
  detection: [
    { fields: { input_1: 'The museum opens at nine on weekdays.', input_2: 'On weekdays the museum opens its doors at 9 a.m.' }, output: 'yes' },
    { fields: { input_1: 'She sold the bike to her brother.', input_2: 'Her brother sold the bike to her.' }, output: 'no' },
    { fields: { input_1: 'How do I keep basil alive indoors?', input_2: 'What is the best way to grow basil inside the house?' }, output: 'yes' },
  ],
  inference: [
    { fields: { input_1: 'A girl in a red coat is feeding ducks at the pond.', input_2: 'A child is outdoors near water.' }, output: 'entailment' },
    { fields: { input_1: 'Two men are carrying a sofa up the stairs.', input_2: 'The men are moving into a new flat.' }, output: 'neutral' },
    { fields: { input_1: 'The library is closed for renovation all month.', input_2: 'The library is open every day this month.' }, output: 'contradiction' },
  ],
  summary: [
    {
      fields: {
        input:
          'The town council of Millbrook voted on Monday to turn the disused railway line into a 12-kilometre cycling and walking path. Work starts in spring and is paid for by a regional grant. Local shop owners hope the path will bring visitors back to the high street, while some residents worry about parking near the entrances.',
      },
      output: 'Millbrook will turn its old railway line into a 12 km cycling and walking path, funded by a regional grant, starting in spring.',
    },
    {
      fields: {
        input:
          'A volunteer team counted 214 hedgehogs in city gardens over the summer, almost twice last year\'s number. The organisers credit the small gaps residents cut in their fences, which let the animals roam between gardens to find food.',
      },
      output: 'Volunteers counted nearly twice as many hedgehogs in city gardens this summer, helped by gaps cut in garden fences.',
    },
    {
      fields: {
        input:
          'The school canteen has replaced plastic trays with washable steel ones. The head teacher said the change costs more at first but saves money within two years, and pupils helped design the new cleaning rota.',
      },
      output: 'A school canteen swapped plastic trays for washable steel ones, a change expected to pay for itself within two years.',
    },
  ],
  question: [
    { fields: { input: 'Maya left her umbrella at home and got caught in the rain on the way to work.', answer: 'annoyed and wet' }, output: 'How would Maya feel when she arrived at work?' },
    { fields: { input: 'Leo practised the piano every evening for a month before the school concert.', answer: 'to play well at the concert' }, output: 'Why did Leo practise every evening?' },
    { fields: { input: 'Plants take in carbon dioxide and release oxygen during photosynthesis.', answer: 'oxygen' }, output: 'What gas do plants release during photosynthesis?' },
  ],
};

const POOL: Record<PaperTaskId, readonly Example[]> = {
  sentiment: [
    { fields: { input: 'Comfortable shoes, true to size, and they survived a week of hiking.' }, output: 'positive' },
    { fields: { input: 'The lamp flickers constantly and the replacement had the same fault.' }, output: 'negative' },
    { fields: { input: 'Arrived early, well packed, and the colour is exactly as pictured.' }, output: 'positive' },
    { fields: { input: 'Too small for anything but a phone, and the strap frayed in a month.' }, output: 'negative' },
  ],
  detection: [
    { fields: { input_1: 'The train was delayed by snow.', input_2: 'Snow caused the train to be late.' }, output: 'yes' },
    { fields: { input_1: 'He painted the fence before lunch.', input_2: 'He ate lunch before painting the fence.' }, output: 'no' },
    { fields: { input_1: 'Is coffee bad for sleep?', input_2: 'Does drinking coffee affect how well you sleep?' }, output: 'yes' },
    { fields: { input_1: 'The cat chased the dog.', input_2: 'The dog chased the cat.' }, output: 'no' },
  ],
  inference: [
    { fields: { input_1: 'A man is slicing bread in a bakery.', input_2: 'Someone is preparing food.' }, output: 'entailment' },
    { fields: { input_1: 'A woman reads a book on the bus.', input_2: 'The woman is reading a mystery novel.' }, output: 'neutral' },
    { fields: { input_1: 'The street is empty and silent.', input_2: 'A crowd is cheering in the street.' }, output: 'contradiction' },
    { fields: { input_1: 'Kids are building a sandcastle.', input_2: 'Children are at a beach or sandpit.' }, output: 'entailment' },
    { fields: { input_1: 'A dog sleeps by the fire.', input_2: 'The dog is tired after a long walk.' }, output: 'neutral' },
  ],
  summary: [
    {
      fields: { input: 'A bakery in the harbour district now gives its unsold bread to a food bank every evening. The owner says about thirty loaves a day were thrown away before.' },
      output: 'A harbour bakery now donates its unsold bread to a food bank instead of throwing it away.',
    },
    {
      fields: { input: 'Heavy rain flooded the underpass on Station Road for the third time this year. The council has promised a new drain by autumn.' },
      output: 'The Station Road underpass flooded again; the council promises a new drain by autumn.',
    },
  ],
  question: [
    { fields: { input: 'Sam forgot his friend\'s birthday and apologised the next day with a cake.', answer: 'to make up for forgetting' }, output: 'Why did Sam bring a cake?' },
    { fields: { input: 'Water boils at a lower temperature on high mountains.', answer: 'lower air pressure' }, output: 'Why does water boil at a lower temperature on mountains?' },
  ],
};

export interface BuiltinDataset {
  task: PaperTaskId;
  items: TaskItem[];
  pool: TaskItem[];
}

export function builtinExamples(task: PaperTaskId): BuiltinDataset {
  return { task, items: items(BUILTIN_SOURCE, TEST[task]), pool: items(`${BUILTIN_SOURCE} (demos)`, POOL[task]) };
}
